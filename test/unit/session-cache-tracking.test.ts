// issue 20: the tracking choreography against two fake connections on one fake server. The cache turns on
// only once the reader tracks with REDIRECT to the subscriber; a close of either connection flushes it and
// sends reads to Redis until tracking is back (with the reconnected subscriber's new id); invalidation
// messages reach the cache; a missed heartbeat reconnects the subscriber. On Sentinel (sentinel-guard.ts) the
// pair is trusted only on a primary and on the data connection server.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createReadCache, type CachedRecord } from '../../src/sessions/cache/read-cache.js';
import { guardSentinelPair } from '../../src/sessions/cache/sentinel-guard.js';
import { INVALIDATION_CHANNEL, trackInvalidations, type Tracking, type TrackingLogger } from '../../src/sessions/cache/tracking.js';
import { createKeyBuilder } from '../../src/sessions/keys.js';
import type { SessionData } from '../../src/sessions/session-record.js';
import { eventually } from '../helpers/eventually.js';

/** Client ids and names as one Redis server knows them, and what ROLE and INFO say there. */
class FakeServer {
  nextId = 10;
  names = new Map<number, string>();
  runId = randomBytes(20).toString('hex');
  role = 'master';
  rolePermitted = true;
}

class FakeConnection extends EventEmitter {
  status = 'ready';
  id: number;
  pendingName = '';
  commands: string[] = [];
  pingFails = false;
  disconnects = 0;
  constructor(public server: FakeServer) {
    super();
    this.id = server.nextId++;
  }
  role(): Promise<unknown[]> {
    if (!this.server.rolePermitted) return Promise.reject(new Error("NOPERM User u has no permissions to run the 'role' command"));
    return Promise.resolve([this.server.role]);
  }
  info(section: string): Promise<string> {
    return Promise.resolve(
      `# Server\r\nredis_version:7.0.15\r\nrun_id:${this.server.runId}\r\ntcp_port:6379\r\n`.slice(0, section === 'server' ? undefined : 0),
    );
  }
  client(...args: string[]): Promise<unknown> {
    this.commands.push(['CLIENT', ...args].join(' '));
    if (args[0] === 'SETNAME') this.server.names.set(this.id, args[1]!);
    if (args[0] === 'ID') return Promise.resolve(this.id);
    if (args[0] === 'LIST') {
      const id = Number(args[2]);
      return Promise.resolve(this.server.names.has(id) ? `id=${id} addr=x name=${this.server.names.get(id)} db=0\n` : '');
    }
    return Promise.resolve('OK');
  }
  subscribe(channel: string): Promise<number> {
    this.commands.push(`SUBSCRIBE ${channel}`);
    return Promise.resolve(1);
  }
  pings = 0;
  /** Runs before a PING is answered: what Redis queued on the connection before the PONG. */
  beforePong: () => void = () => undefined;
  ping(): Promise<string> {
    this.pings += 1;
    if (this.pingFails) return Promise.reject(new Error('Command timed out'));
    this.beforePong();
    return Promise.resolve('PONG');
  }
  disconnect(): void {
    this.disconnects += 1;
  }
  /** The connection drops; with `reconnect`, it comes back as a new client (a new id) on the same server or on `to`. */
  drop(reconnect = true, to = this.server): void {
    this.status = 'reconnecting';
    this.emit('close');
    if (!reconnect) return;
    this.server = to;
    this.id = this.server.nextId++;
    this.status = 'ready';
    this.emit('ready');
  }
  invalidate(keys: string[] | null): void {
    this.emit('messageBuffer', Buffer.from(INVALIDATION_CHANNEL), keys === null ? null : keys.map((k) => Buffer.from(k)));
  }
}

const keys = createKeyBuilder('bff:');
const silent = { warn: () => undefined, info: () => undefined };
let tracking: Tracking | undefined;
let closeGuard: (() => void) | undefined;
afterEach(() => {
  tracking?.close();
  closeGuard?.();
});

function rig(heartbeatMs = 60_000, confirm?: () => Promise<void>, sentinel?: { data: FakeConnection; log: TrackingLogger }) {
  const server = sentinel?.data.server ?? new FakeServer();
  const reader = new FakeConnection(server);
  const subscriber = new FakeConnection(server);
  const guard = sentinel
    ? guardSentinelPair({
        reader: reader as unknown as Redis,
        subscriber: subscriber as unknown as Redis,
        data: sentinel.data as unknown as Redis,
        retryMs: 10,
      })
    : undefined;
  closeGuard = guard && (() => guard.close());
  const reads: Array<{ sid: string; tracked: boolean }> = [];
  const cache = createReadCache({
    maxEntries: 10,
    fence: () => tracking!.fence(),
    read: (sid, tracked) => {
      reads.push({ sid, tracked });
      return Promise.resolve({ value: Buffer.from(sid), version: 1 });
    },
  });
  tracking = trackInvalidations({
    reader: reader as unknown as Redis,
    subscriber: subscriber as unknown as Redis,
    cache,
    sidOfRecord: (key) => keys.sidOfRecord(key),
    log: sentinel?.log ?? silent,
    heartbeatMs,
    leaseMs: heartbeatMs * 3,
    retryMs: 10,
    ...(guard ? { confirm: guard.confirm, precondition: guard.precondition } : confirm ? { confirm } : {}),
  });
  guard?.attach(tracking);
  const decode = (stored: { value: Buffer; version: number }): CachedRecord => ({ version: stored.version, data: {} as SessionData });
  /** Loads `sid` and says whether it went to Redis. */
  const readsRedis = async (sid: string): Promise<boolean> => {
    const before = reads.length;
    await cache.load(sid, decode);
    return reads.length > before;
  };
  return { reader, subscriber, cache, reads, readsRedis, tracking };
}

describe('Redis tracking for the session read cache', () => {
  it('subscribes, then turns tracking on with REDIRECT to the subscriber, then uses the cache', async () => {
    const { reader, subscriber, cache, readsRedis } = rig();
    await eventually(() => cache.active, 'tracking established');
    const named = expect.stringMatching(/^CLIENT SETNAME bff-invalidations-/) as unknown;
    expect(subscriber.commands).toEqual([named, 'CLIENT ID', `SUBSCRIBE ${INVALIDATION_CHANNEL}`]);
    const redirect = `CLIENT TRACKING ON REDIRECT ${subscriber.id}`;
    expect(reader.commands).toEqual([`CLIENT LIST ID ${subscriber.id}`, 'CLIENT TRACKING OFF', redirect]);
    expect(await readsRedis('s1')).toBe(true);
    expect(await readsRedis('s1')).toBe(false);
  });

  it('drops the keys Redis invalidates, and everything on a flush message or a key it cannot place', async () => {
    const { subscriber, cache, readsRedis } = rig();
    await eventually(() => cache.active, 'tracking established');
    for (const sid of ['s1', 's2', 's3']) await readsRedis(sid);
    subscriber.invalidate([keys.record('s1')]);
    expect(await readsRedis('s1')).toBe(true);
    expect(await readsRedis('s2')).toBe(false);
    subscriber.invalidate(null);
    expect(cache.size).toBe(0);
    // A key that is not a record of this prefix: what changed cannot be told, so everything goes.
    for (const sid of ['s1', 's2']) await readsRedis(sid);
    subscriber.invalidate([createKeyBuilder('other:').record('s1')]);
    expect(cache.size).toBe(0);
  });

  for (const which of ['subscriber', 'reader'] as const) {
    it(`flushes when the ${which} connection closes and reads from Redis until tracking is back`, async () => {
      const r = rig();
      await eventually(() => r.cache.active, 'tracking established');
      await r.readsRedis('s1');
      r[which].drop(false);
      expect(r.cache.active).toBe(false);
      expect(r.cache.size).toBe(0);
      expect(await r.readsRedis('s1')).toBe(true);
      expect(r.reads.at(-1)!.tracked).toBe(false);
      expect(await r.readsRedis('s1')).toBe(true);
      // Back: tracking is turned on again, redirected to the subscriber's id as it is now.
      r[which].id = 99;
      r[which].status = 'ready';
      r[which].emit('ready');
      await eventually(() => r.cache.active, 'tracking re-established');
      expect(r.reader.commands.at(-1)).toBe(`CLIENT TRACKING ON REDIRECT ${r.subscriber.id}`);
      if (which === 'subscriber') expect(r.subscriber.commands.filter((c) => c.startsWith('SUBSCRIBE'))).toHaveLength(2);
      expect(await r.readsRedis('s1')).toBe(true);
      expect(await r.readsRedis('s1')).toBe(false);
    });
  }

  it('answers a hit only after a PING on the subscriber, shared by the hits of one loop turn', async () => {
    const { subscriber, cache, readsRedis } = rig();
    await eventually(() => cache.active, 'tracking established');
    for (const sid of ['s1', 's2']) await readsRedis(sid);
    const pings = subscriber.pings;
    expect(await Promise.all([readsRedis('s1'), readsRedis('s2')])).toEqual([false, false]);
    expect(subscriber.pings).toBe(pings + 1);
    // An invalidation Redis queued before the PONG: the hit becomes a Redis read.
    subscriber.beforePong = () => subscriber.invalidate([keys.record('s1')]);
    expect(await readsRedis('s1')).toBe(true);
  });

  it("asks `confirm` with the fence's PING, once per loop turn; a hit is answered only if it holds", async () => {
    let confirms = 0;
    let holds = true;
    const { subscriber, cache, readsRedis } = rig(60_000, () => {
      confirms += 1;
      return holds ? Promise.resolve() : Promise.reject(new Error('no longer a primary'));
    });
    await eventually(() => cache.active, 'tracking established');
    for (const sid of ['s1', 's2']) await readsRedis(sid);
    const [pings, asked] = [subscriber.pings, confirms];
    expect(await Promise.all([readsRedis('s1'), readsRedis('s2')])).toEqual([false, false]);
    expect([subscriber.pings, confirms]).toEqual([pings + 1, asked + 1]);
    holds = false;
    expect(await Promise.all([readsRedis('s1'), readsRedis('s2')])).toEqual([true, true]);
    expect([subscriber.pings, confirms]).toEqual([pings + 2, asked + 2]);
  });

  it('stops trusting the cache after a failed read until tracking is confirmed again', async () => {
    const { reader, cache, tracking: t } = rig();
    await eventually(() => cache.active, 'tracking established');
    const sent = reader.commands.length;
    t.readFailed();
    expect(cache.active).toBe(false);
    await eventually(() => cache.active, 'tracking re-established');
    expect(reader.commands.slice(sent)).toContain(`CLIENT TRACKING OFF`);
  });

  it('reconnects the subscriber when a heartbeat goes unanswered', async () => {
    const { subscriber, cache } = rig(20);
    await eventually(() => cache.active, 'tracking established');
    subscriber.pingFails = true;
    await eventually(() => subscriber.disconnects > 0, 'the subscriber reconnected');
    expect(cache.active).toBe(false);
  });
});

describe('on Sentinel (sentinel-guard.ts): the pair is trusted only on a primary, on the data connection server', () => {
  function sentinelRig(rolePermitted = true) {
    const data = new FakeConnection(new FakeServer());
    data.server.rolePermitted = rolePermitted;
    const logs: string[] = [];
    const log: TrackingLogger = {
      warn: (obj, msg) => void logs.push(`${msg} ${JSON.stringify(obj)}`),
      info: () => undefined,
    };
    return { ...rig(60_000, undefined, { data, log }), data, logs };
  }

  it('turns off when the data connection reconnects, and on again once the pair followed it to its server', async () => {
    const r = sentinelRig();
    await eventually(() => r.cache.active, 'tracking established');
    await r.readsRedis('s1');
    expect(await r.readsRedis('s1')).toBe(false);
    // A failover: the data connection follows +switch-master to the new primary; the pair is still on the old.
    const promoted = new FakeServer();
    r.data.drop(true, promoted);
    expect(r.cache.active).toBe(false);
    expect(r.cache.size).toBe(0);
    // Not on the data connection server: the pair reconnects (the sentinels name the primary again).
    await eventually(() => r.reader.disconnects > 0 && r.subscriber.disconnects > 0, 'the pair told to reconnect');
    expect(r.cache.active).toBe(false);
    expect(await r.readsRedis('s1')).toBe(true);
    expect(r.reads.at(-1)!.tracked).toBe(false);
    r.reader.drop(true, promoted);
    r.subscriber.drop(true, promoted);
    await eventually(() => r.cache.active, 'tracking re-established on the new primary');
    expect(r.reader.commands.at(-1)).toBe(`CLIENT TRACKING ON REDIRECT ${r.subscriber.id}`);
  });

  it("reads a hit from Redis and turns off when the reader's server is no longer a primary", async () => {
    const r = sentinelRig();
    await eventually(() => r.cache.active, 'tracking established');
    await r.readsRedis('s1');
    expect(await r.readsRedis('s1')).toBe(false);
    r.data.server.role = 'slave';
    expect(await r.readsRedis('s1')).toBe(true);
    expect(r.cache.active).toBe(false);
    await eventually(() => r.reader.disconnects > 0, 'the pair told to reconnect');
  });

  it('stays off, and says why, when the Redis user may not run ROLE', async () => {
    const r = sentinelRig(false);
    await eventually(
      () => r.logs.some((line) => line.includes('the session cache on Sentinel needs ROLE and INFO')),
      'the reason in the log',
    );
    expect(r.cache.active).toBe(false);
    expect(r.reader.commands).not.toContain('CLIENT TRACKING OFF');
  });
});
