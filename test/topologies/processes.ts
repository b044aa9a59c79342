// Redis topologies from Debian's redis-server alone: a 3-primary Cluster and a primary + replica watched
// by three sentinels. Every process listens on 127.0.0.1 only, runs under the watchdog of
// test/setup/redis-server.ts (it dies with the test process), is stopped by its pid, and keeps its files in
// one temp dir that is removed on stop, also after a failed start.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort, spawnRedisServer, type RedisProcess } from '../setup/redis-server.js';

const run = promisify(execFile);

/** redis-cli against one local port; AUTH through the environment, never on the command line. */
export async function cli(port: number, args: string[], password?: string): Promise<string> {
  const env = password === undefined ? process.env : { ...process.env, REDISCLI_AUTH: password };
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { env, timeout: 30_000 });
  return stdout;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Starts servers one by one; on any failure stops what started and removes `dir`, then rethrows. */
async function startAll(dir: string, starts: Array<() => Promise<RedisProcess>>): Promise<RedisProcess[]> {
  const started: RedisProcess[] = [];
  try {
    for (const start of starts) started.push(await start());
    return started;
  } catch (error) {
    await stopAll(started, dir);
    throw error;
  }
}

async function stopAll(processes: RedisProcess[], dir: string): Promise<void> {
  await Promise.all(processes.map((p) => p.stop()));
  await rm(dir, { recursive: true, force: true });
}

export interface LocalCluster {
  /** REDIS_CLUSTER_NODES for the service: every node's 127.0.0.1:port (the primaries' without replicas). */
  nodes: string;
  /** Every node's port (which are replicas is for the cluster to say: a replica can be promoted). */
  ports: number[];
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Replicas of each primary (default none). */
  replicas?: number;
  /**
   * `cluster-node-timeout` (Redis default 15000 ms). The primaries vote for replacing a given primary at
   * most once per twice this, so a test that fails over back and forth sets it lower.
   */
  nodeTimeoutMs?: number;
}

/**
 * Three primaries (`--cluster-enabled yes`, bus ports chosen free too), joined by `redis-cli --cluster
 * create`; with `replicas`, that many replicas of each primary too, in sync before this resolves.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<LocalCluster> {
  const replicas = options.replicas ?? 0;
  const timeout = options.nodeTimeoutMs === undefined ? [] : ['--cluster-node-timeout', String(options.nodeTimeoutMs)];
  const dir = await mkdtemp(join(tmpdir(), 'bff-cluster-'));
  const ports: number[] = [];
  const starts = Array.from({ length: 3 * (1 + replicas) }, (_, i) => async () => {
    const bus = await freePort();
    const server = await spawnRedisServer(undefined, {
      args: [
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(bus),
        '--cluster-config-file',
        join(dir, `nodes-${i}.conf`),
        '--dir',
        dir,
        ...timeout,
      ],
    });
    ports.push(server.port);
    return server;
  });
  const servers = await startAll(dir, starts);
  try {
    const create = ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'];
    await cli(ports[0]!, replicas === 0 ? create : [...create, '--cluster-replicas', String(replicas)]);
    for (const port of ports) {
      await until(async () => {
        const info = await cli(port, ['cluster', 'info']);
        return info.includes('cluster_state:ok') && Number(/cluster_known_nodes:(\d+)/.exec(info)?.[1]) === ports.length;
      }, `cluster_state:ok on ${port}`);
    }
    for (const port of ports) {
      await until(async () => {
        const info = await cli(port, ['info', 'replication']);
        return info.includes('role:master') || info.includes('master_link_status:up');
      }, `the replica on ${port} in sync`);
    }
  } catch (error) {
    await stopAll(servers, dir);
    throw error;
  }
  return { nodes: ports.map((p) => `127.0.0.1:${p}`).join(','), ports, stop: () => stopAll(servers, dir) };
}

export interface LocalSentinelSet {
  /** REDIS_SENTINELS for the service. */
  sentinels: string;
  name: string;
  /** The service's variables for this set: sentinels, name and both passwords. */
  redisEnv: Record<string, string>;
  primary: RedisProcess;
  replica: RedisProcess;
  sentinelPorts: number[];
  /** The sentinels themselves, in REDIS_SENTINELS order (to pause one). */
  sentinelProcesses: RedisProcess[];
  /** The port the sentinels currently name as primary, asking the sentinel at `via` (default the first). */
  primaryPort(via?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A primary and a replica with `requirepass` (REDIS_PASSWORD), three sentinels with their own password
 * (REDIS_SENTINEL_PASSWORD), quorum 2, a primary considered down after 1 s.
 */
export async function startSentinelSet(password: string, sentinelPassword: string): Promise<LocalSentinelSet> {
  const dir = await mkdtemp(join(tmpdir(), 'bff-sentinel-'));
  const name = 'bff-primary';
  // --dir: a replica stores the primary's snapshot of its full sync there (never in the working directory).
  const auth = ['--requirepass', password, '--masterauth', password, '--dir', dir];
  const processes: RedisProcess[] = [];
  try {
    const [primary] = await startAll(dir, [() => spawnRedisServer(undefined, { args: auth })]);
    processes.push(primary!);
    const replica = await spawnRedisServer(undefined, { args: [...auth, '--replicaof', '127.0.0.1', String(primary!.port)] });
    processes.push(replica);
    await until(async () => (await cli(replica.port, ['info', 'replication'], password)).includes('master_link_status:up'), 'the replica');
    const sentinelPorts: number[] = [];
    const sentinelProcesses: RedisProcess[] = [];
    for (const i of [0, 1, 2]) {
      const configFile = join(dir, `sentinel-${i}.conf`);
      // The sentinel rewrites this file (it records what it learns), so each gets its own.
      await writeFile(
        configFile,
        [
          `sentinel monitor ${name} 127.0.0.1 ${primary!.port} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel auth-pass ${name} ${password}`,
          `requirepass ${sentinelPassword}`,
          `dir ${dir}`,
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      const sentinel = await spawnRedisServer(undefined, { configFile, args: ['--sentinel'] });
      processes.push(sentinel);
      sentinelProcesses.push(sentinel);
      sentinelPorts.push(sentinel.port);
    }
    const primaryPort = async (via = 0): Promise<number> => {
      const reply = await cli(sentinelPorts[via]!, ['sentinel', 'get-master-addr-by-name', name], sentinelPassword);
      return Number(reply.trim().split('\n')[1]);
    };
    // Each sentinel knows the replica and both other sentinels before anything fails.
    for (const port of sentinelPorts) {
      await until(async () => {
        const info = await cli(port, ['sentinel', 'master', name], sentinelPassword);
        const field = (key: string) => Number(new RegExp(`^${key}\\n(\\d+)$`, 'm').exec(info)?.[1]);
        return field('num-slaves') === 1 && field('num-other-sentinels') === 2;
      }, `sentinel on ${port} to see the replica and the other sentinels`);
    }
    const sentinels = sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
    return {
      sentinels,
      name,
      redisEnv: {
        REDIS_SENTINELS: sentinels,
        REDIS_SENTINEL_NAME: name,
        REDIS_PASSWORD: password,
        REDIS_SENTINEL_PASSWORD: sentinelPassword,
      },
      primary: primary!,
      replica,
      sentinelPorts,
      sentinelProcesses,
      primaryPort,
      stop: () => stopAll(processes, dir),
    };
  } catch (error) {
    await stopAll(processes, dir);
    throw error;
  }
}
