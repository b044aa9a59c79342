// The one Redis connection factory: one node by URL (redis:// or rediss://, ACL user and password in the
// URL), a Redis Cluster by seed nodes, or the primary that Sentinel names. Every client gets the same
// fail-fast settings (no offline queue, a command timeout, endless capped reconnects) and never logs a
// password. Nothing else in the service creates a Redis client (test/unit/redis-factory.test.ts checks).
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { describeTarget, type RedisTarget } from './target.js';

/** A single-node (URL or Sentinel) client or a Cluster: both run the same commands and custom commands. */
export type RedisClient = Redis | Cluster;

/** The client as a Cluster, or undefined (for callers outside src/redis/, which never import ioredis values). */
export function asCluster(client: RedisClient | undefined): Cluster | undefined {
  return client instanceof Cluster ? client : undefined;
}

/** The client as a single-node (URL or Sentinel) client, or undefined (a Cluster, or none). */
export function asSingleNode(client: RedisClient | undefined): Redis | undefined {
  return client instanceof Redis ? client : undefined;
}

/** A target served by one node at a time: a URL, or the primary Sentinel names. */
export type SingleNodeTarget = Exclude<RedisTarget, { kind: 'cluster' }>;

export interface RedisConnectionLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RedisConnectionOptions {
  /** Not supported: key prefixes belong to the store's key builder (sessions/keys.ts), one place only. */
  keyPrefix?: never;
  /** Per-command deadline; default 1000 ms. */
  commandTimeoutMs?: number;
  /** TCP connect (and TLS handshake) deadline per attempt; default 2000 ms. */
  connectTimeoutMs?: number;
  logger?: RedisConnectionLogger;
  /**
   * Queue commands until the first connect instead of failing them (one node only). For test helpers and
   * tools that send commands right after creating a client; the service never sets it.
   */
  queueUntilConnected?: boolean;
  /**
   * issue 17 part 4: a client for a BullMQ Worker, which blocks on Redis for jobs: no command timeout,
   * maxRetriesPerRequest null and an offline queue (BullMQ refuses a worker client without them).
   */
  forQueueWorker?: boolean;
  /**
   * issue 20: the session cache's invalidation connection (one node only): no automatic re-subscribe after
   * a reconnect, since the cache must send CLIENT ID before it subscribes again (sessions/cache/tracking.ts).
   */
  noAutoResubscribe?: boolean;
  /**
   * Sentinel only; default true: subscribe to the sentinels' `+switch-master` and reconnect as soon as they
   * promote a replica. issue 20: the session cache's pair passes false and follows the service's data
   * client instead (sessions/cache/sentinel-guard.ts); it still asks the sentinels on every reconnect.
   */
  failoverDetector?: boolean;
}

/** Delay before reconnect attempt `n`: grows by 100 ms up to 2 s, and never gives up. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 100, 2000);
}

/** The secrets of a target, to be cut out of any message that is logged. */
function secretsOf(target: RedisTarget): string[] {
  if (target.kind === 'url') {
    const password = new URL(target.url).password;
    return password ? [password, decodeURIComponent(password)] : [];
  }
  const secrets = [target.password, target.kind === 'sentinel' ? target.sentinelPassword : undefined];
  return secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

// ioredis messages carry host:port at most, but strip any userinfo or known password in case one ends up in one.
export function safeError(err: unknown, secrets: readonly string[] = []): { name: string; code?: string; message: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  let message = e.message.replace(/\/\/[^/\s@]*@/g, '//***@');
  for (const secret of secrets) message = message.split(secret).join('***');
  return { name: e.name, message, ...(typeof code === 'string' ? { code } : {}) };
}

function checkUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new TypeError('redis url is not a valid URL');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new TypeError('redis url must use redis: or rediss:');
}

/**
 * Opens a client for `where` (a target from the config, or a redis:// URL); it connects in the background
 * (waitForRedis in lifecycle.ts waits for it).
 */
export function createRedisClient(url: string, options?: RedisConnectionOptions): Redis;
export function createRedisClient(target: SingleNodeTarget, options?: RedisConnectionOptions): Redis;
export function createRedisClient(target: RedisTarget, options?: RedisConnectionOptions): RedisClient;
export function createRedisClient(where: RedisTarget | string, options: RedisConnectionOptions = {}): RedisClient {
  const target: RedisTarget = typeof where === 'string' ? { kind: 'url', url: where } : where;
  const { commandTimeoutMs = 1000, connectTimeoutMs = 2000, logger } = options;
  const worker = options.forQueueWorker === true;
  const perNode = {
    commandTimeout: worker ? undefined : commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: worker ? null : 1,
    // Commands issued in one tick go out in one write: the write syscall per command was a fifth of a
    // session lookup's CPU (bench/RESULTS.md). commandTimeout still applies to each command.
    enableAutoPipelining: !worker,
  } satisfies RedisOptions;
  const single = {
    ...perNode,
    // Fail at once while disconnected instead of queueing: the request gets a 503, not a hang.
    enableOfflineQueue: worker,
    retryStrategy: reconnectDelayMs,
    // After a failover the old primary answers READONLY: reconnect, so DNS or Sentinel names the new one.
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
    lazyConnect: false,
    autoResubscribe: options.noAutoResubscribe !== true,
  } satisfies RedisOptions;

  let client: RedisClient;
  if (target.kind === 'url') {
    checkUrl(target.url);
    client = new Redis(target.url, options.queueUntilConnected ? { ...single, enableOfflineQueue: true } : single);
  } else if (target.kind === 'sentinel') {
    client = new Redis({
      ...single,
      sentinels: target.sentinels,
      name: target.name,
      role: 'master',
      username: target.username,
      password: target.password,
      sentinelPassword: target.sentinelPassword,
      sentinelRetryStrategy: reconnectDelayMs,
      sentinelCommandTimeout: commandTimeoutMs,
      // Subscribes to the sentinels' +switch-master: reconnect as soon as they promote a replica.
      failoverDetector: options.failoverDetector !== false,
    });
    reviveAbortedConnects(client);
  } else {
    const clusterOptions: ClusterOptions = {
      // Cluster-wide: a command while the cluster is not ready fails at once (the node clients ioredis
      // creates always queue, but only until their first connect; see '+node' below). Before the very
      // first slot map, auto-pipelining holds a command until that connect attempt ends, then fails it.
      enableOfflineQueue: worker,
      enableAutoPipelining: !worker,
      // Reads go to primaries: a session read right after its write must see it.
      scaleReads: 'master',
      clusterRetryStrategy: reconnectDelayMs,
      slotsRefreshTimeout: connectTimeoutMs,
      // A command follows at most this many MOVED/ASK/TRYAGAIN/CLUSTERDOWN answers (ioredis: 16), so a
      // cluster failover costs a request a 503 after a few hundred ms rather than many command timeouts.
      maxRedirections: 5,
      redisOptions: { ...perNode, username: target.username, password: target.password },
    };
    const cluster = new Cluster(target.nodes, clusterOptions);
    // ioredis connects to a node on its first command, and rejects other commands to it while that
    // connect is under way (no offline queue): connect each node as soon as the cluster knows it.
    cluster.on('+node', (node: Redis) => {
      if (node.status === 'wait') node.connect().catch(() => undefined);
    });
    client = cluster;
  }
  watchOutages(client, target, logger);
  return client;
}

/**
 * ioredis 5's failover detector closes the connector when a +switch-master arrives; if a reconnect is
 * asking a sentinel for the primary at that moment, the attempt fails with "Connection is closed." and
 * ioredis ends the client for good (status 'end', no more reconnects: a 503 for every request until a
 * restart). Seen once in CI: the sentinels promoted the replica while the client was between a refused
 * connect to the dead primary and the next. That failed attempt is reported as an error while the status
 * is still 'connecting', and the status is 'end' right after; quit() and disconnect() end a client without
 * such an error (ioredis mutes it for a manual close). So such an end is undone at once, in the same
 * tick, before anyone can see the 'end' status and close the client: a later close works as usual.
 */
function reviveAbortedConnects(client: Redis): void {
  client.on('error', () => {
    if (client.status !== 'connecting') return;
    // ioredis sets the status to 'end' synchronously after emitting the error; check once that has happened.
    queueMicrotask(() => {
      if (client.status === 'end') client.connect().catch(() => undefined);
    });
  });
}

// One warning per outage, not one per reconnect attempt; the listeners also keep ioredis from printing
// "Unhandled error event".
function watchOutages(client: RedisClient, target: RedisTarget, logger: RedisConnectionLogger | undefined): void {
  const secrets = secretsOf(target);
  const where = describeTarget(target);
  let down = false;
  const onError = (err: unknown): void => {
    if (down) return;
    down = true;
    logger?.warn({ err: safeError(err, secrets), redis: where }, 'redis connection error; reconnecting');
  };
  client.on('error', onError);
  // A Cluster reports failures of single nodes separately (it reroutes and refreshes slots by itself).
  if (client instanceof Cluster) client.on('node error', onError);
  client.on('ready', () => {
    if (down) logger?.info({ redis: where }, 'redis connection restored');
    down = false;
  });
}
