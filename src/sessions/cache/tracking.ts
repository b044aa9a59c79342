// issue 20: Redis server-assisted client-side caching over RESP2 for the session read cache. The reader
// connection (session record GETs only) has CLIENT TRACKING on with REDIRECT to a subscriber connection on
// `__redis__:invalidate`; the cache is on only while both are up and tracking is confirmed, and any doubt
// (a close or reconnect of either, a failed read, a missed heartbeat) flushes it until it is re-established.
//
// Default tracking mode, not BCAST: Redis then remembers which keys this reader read and tells only the
// instances that hold a session about its change, so a logout costs one invalidation message (110 bytes) per
// instance that read that session since its last write. BCAST on the `{s:` prefix would send every write of
// every session key (create, slide, refresh lock, side record, tombstone: several per login and logout) to
// every instance, whether it holds the session or not. The price of the default mode is Redis memory: one
// tracking-table entry per key read (bounded by tracking-table-max-keys; past it Redis invalidates, we miss).
// Keys read inside EVAL/EVALSHA are tracked too (checked on Redis 7.0.15), which is one reason the reader is a
// connection of its own: on the shared client every rate-limit or lock script read would be tracked.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { safeError } from '../../redis/connection.js';
import type { SessionReadCache } from './read-cache.js';

export const INVALIDATION_CHANNEL = '__redis__:invalidate';

export interface TrackingLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface TrackingOptions {
  /** Does the tracked reads (and nothing else); the factory's client, closed by the caller. */
  reader: Redis;
  /** Made with `noAutoResubscribe`; used for nothing else. Closed by the caller. */
  subscriber: Redis;
  cache: Pick<SessionReadCache, 'activate' | 'deactivate' | 'invalidate' | 'flush' | 'active'>;
  /** The sid whose record a key is (keys.ts), undefined for any other key. */
  sidOfRecord: (key: string) => string | undefined;
  log: TrackingLogger;
  onActiveChange?: (active: boolean) => void;
  /** PING on the subscriber this often while active (default 250 ms). */
  heartbeatMs?: number;
  /** Without a PING answer for this long, the cache is off and the subscriber reconnects (default 1000 ms). */
  leaseMs?: number;
  /** Wait before trying again when establishing failed (default 1000 ms). */
  retryMs?: number;
  /**
   * Sent in the fence's batch together with its PING (so also after every hit of the batch arrived); a
   * rejection fails the fence. The Cluster asks the reader's node whether it is still a primary.
   */
  confirm?: () => Promise<void>;
  /**
   * Checked on every establishment, before tracking is turned on; a rejection counts as a failed attempt
   * (retried after `retryMs`). Sentinel: the reader is on a primary, and on the data client's server.
   */
  precondition?: () => Promise<void>;
}

export interface Tracking {
  /**
   * Resolves once the subscriber answered a PING sent after this call: Redis answers it after every
   * invalidation it queued before, i.e. of every write completed before the call. Rejects when it cannot.
   */
  fence(): Promise<void>;
  /** A read on the reader failed: Redis may be unreachable, so stop trusting the cache until re-established. */
  readFailed(): void;
  /** Something outside this pair changed (Sentinel: the data client reconnected): flush, and establish again. */
  reset(reason: string): void;
  close(): void;
}

export function trackInvalidations(options: TrackingOptions): Tracking {
  const { reader, subscriber, cache, sidOfRecord, log } = options;
  const heartbeatMs = options.heartbeatMs ?? 250;
  const leaseMs = options.leaseMs ?? 1000;
  const retryMs = options.retryMs ?? 1000;
  // Lets the reader check that its REDIRECT target is our subscriber on its own server (CLIENT LIST ID):
  // client ids are per server, so after a DNS or failover switch the same id could name a stranger.
  const name = `bff-invalidations-${randomBytes(8).toString('hex')}`;
  let epoch = 0; // grows whenever tracking is lost: an establish() begun before gives up
  let subscriberLife = 0; // grows whenever the subscriber connection closes
  let subscribedId: string | undefined; // the subscriber's CLIENT ID while it is subscribed
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let failing = false;
  let answeredAt = 0; // when the subscriber last answered a PING (or tracking was established)

  function lose(reason: string): void {
    epoch += 1;
    if (!cache.active) return;
    cache.deactivate();
    options.onActiveChange?.(false);
    log.warn({ reason }, 'session cache off (reads go to Redis) until Redis tracking is re-established');
  }

  // One attempt at a time; a request for another while one runs (a 'ready', a failed read) runs it after.
  let running = false;
  let again = false;
  async function establish(): Promise<void> {
    clearTimeout(retry);
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await attempt();
    } finally {
      running = false;
      if (again) {
        again = false;
        void establish();
      }
    }
  }

  async function attempt(): Promise<void> {
    if (closed || cache.active || reader.status !== 'ready' || subscriber.status !== 'ready') return; // 'ready' calls again
    const mine = epoch;
    try {
      if (subscribedId === undefined) {
        const life = subscriberLife;
        // Before SUBSCRIBE: a subscribed RESP2 connection accepts nothing but (un)subscribe and PING.
        await subscriber.client('SETNAME', name);
        const id = String(await subscriber.client('ID'));
        await subscriber.subscribe(INVALIDATION_CHANNEL);
        if (life !== subscriberLife) return;
        subscribedId = id;
      }
      const id = subscribedId;
      const listed = String(await reader.client('LIST', 'ID', id));
      if (!listed.includes(` name=${name} `)) throw new Error('the invalidation connection is not on the reader connection server');
      await options.precondition?.();
      // OFF first: tracking restarts clean with the new target (a reconnected subscriber has a new id).
      await reader.client('TRACKING', 'OFF');
      await reader.client('TRACKING', 'ON', 'REDIRECT', id);
      // Lost meanwhile: whatever lost it (a close, a failed read) asks again once the connections are back.
      if (mine !== epoch || closed) return;
      answeredAt = Date.now();
      cache.activate();
      options.onActiveChange?.(true);
      if (failing) log.info({}, 'session cache on again: Redis tracking re-established');
      failing = false;
    } catch (error) {
      if (mine !== epoch || closed) return;
      if (!failing) log.warn({ err: safeError(error) }, 'session cache: Redis tracking not established yet; retrying');
      failing = true;
      retry = setTimeout(() => void establish(), retryMs).unref();
    }
  }

  const onInvalidation = (channel: Buffer, message: unknown): void => {
    if (channel.toString() !== INVALIDATION_CHANNEL) return;
    // null: the whole keyspace was flushed (FLUSHALL/FLUSHDB); otherwise the keys that changed.
    if (message === null) return cache.flush();
    if (!Array.isArray(message)) return lose('unexpected invalidation message');
    for (const key of message as unknown[]) {
      const sid = sidOfRecord(String(key));
      // The reader reads record keys only, so Redis tracks nothing else; a key we cannot place (e.g. a
      // prefix this process does not know) means we cannot tell what changed: drop everything.
      if (sid === undefined) return cache.flush();
      cache.invalidate(sid);
    }
  };
  const onSubscriberClose = (): void => {
    subscriberLife += 1;
    subscribedId = undefined;
    lose('invalidation connection closed');
  };
  const onReaderClose = (): void => lose('reader connection closed');
  const onReady = (): void => void establish();

  subscriber.on('messageBuffer', onInvalidation);
  subscriber.on('close', onSubscriberClose);
  subscriber.on('ready', onReady);
  reader.on('close', onReaderClose);
  reader.on('ready', onReady);

  // A silent network (no FIN, no RST) would leave the cache on while invalidations go nowhere. A PING answer
  // on the subscriber proves every invalidation Redis sent before it has arrived, so the cache is trusted
  // only while one came within the last `leaseMs`; past that the subscriber reconnects (and the cache is off).
  const heartbeat = setInterval(() => {
    if (!cache.active || subscribedId === undefined) return;
    if (Date.now() - answeredAt > leaseMs) {
      lose('invalidation connection heartbeat missed');
      subscriber.disconnect(true);
      return;
    }
    subscriber.ping().then(
      () => (answeredAt = Date.now()),
      () => undefined,
    );
  }, heartbeatMs).unref();

  // Every fence asked for before the next check phase shares one PING (and one `confirm`), sent then (after
  // all of them began).
  let batch: Promise<void> | undefined;
  function fence(): Promise<void> {
    batch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      batch = undefined;
      if (subscribedId === undefined) throw new Error('the invalidation connection is not subscribed');
      const pinged = subscriber.ping().then(() => {
        answeredAt = Date.now();
      });
      return options.confirm === undefined ? pinged : Promise.all([pinged, options.confirm()]).then(() => undefined);
    });
    return batch;
  }

  void establish();

  function reset(reason: string): void {
    lose(reason);
    void establish();
  }

  return {
    fence,
    readFailed: () => reset('a tracked read failed'),
    reset,
    close() {
      closed = true;
      clearInterval(heartbeat);
      clearTimeout(retry);
      epoch += 1;
      if (cache.active) cache.deactivate();
      subscriber.off('messageBuffer', onInvalidation);
      subscriber.off('close', onSubscriberClose);
      subscriber.off('ready', onReady);
      reader.off('close', onReaderClose);
      reader.off('ready', onReady);
    },
  };
}
