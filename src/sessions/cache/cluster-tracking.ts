// issue 20: the session read cache on a Redis Cluster. Tracking is per node, so each primary gets its own pair
// (tracking.ts: a reader with CLIENT TRACKING REDIRECT to a subscriber on that same node), tracked reads go to
// the reader of the key's slot, and a hit waits for the fence of every pair. The cache is on only while every
// primary's pair tracks and every primary reports the slot map the pairs were built for; any doubt (a slot
// map change, a redirection on the shared client, a node added, removed or failing, a failed tracked read, a
// connection closing) flushes it, and the pairs are rebuilt from a fresh slot map.
//
// Why own connections per primary rather than tracking on the Cluster client's node connections: those also
// carry every write, script and rate-limit command (all of which Redis would track), ioredis replaces them on
// its own when the topology changes (a new one would read untracked until we noticed), and it follows
// MOVED/ASK silently, so a read could land on a node that does not track it. Our reader only ever talks to
// the node it was opened for: a redirection is an error there, which flushes the cache.
import type { Cluster, Redis } from 'ioredis';
import { safeError } from '../../redis/connection.js';
import { keySlot } from '../../redis/key-slot.js';
import { closeRedis } from '../../redis/lifecycle.js';
import type { StoredValue, SessionStore } from '../store.js';
import { parseClusterSlots, slotsFingerprint, type Primary, type SlotMap } from './cluster-map.js';
import type { SessionReadCache } from './read-cache.js';
import { trackInvalidations, type Tracking, type TrackingLogger } from './tracking.js';

export interface ClusterTrackingOptions {
  /** The service's shared Cluster client: the slot map comes from it, and its topology events flush. */
  cluster: Cluster;
  cache: Pick<SessionReadCache, 'activate' | 'deactivate' | 'invalidate' | 'flush' | 'active'>;
  /** Opens the reader and the subscriber (`noAutoResubscribe`) of one primary. */
  connect: (primary: Primary) => { reader: Redis; subscriber: Redis };
  /** The session store over one reader (its `get` is the tracked read). */
  openStore: (reader: Redis) => SessionStore;
  /** The key of a session's record, and the sid of a record key (keys.ts). */
  recordKey: (sid: string) => string;
  sidOfRecord: (key: string) => string | undefined;
  /** The untracked read (through the Cluster client), when a tracked one cannot be made. */
  readUntracked: (sid: string) => Promise<StoredValue | null>;
  log: TrackingLogger;
  onActiveChange?: (active: boolean) => void;
  /** Every primary's slot map is compared this often while on (default 250 ms). */
  heartbeatMs?: number;
  /** Wait before rebuilding after a failure (default 1000 ms); after a topology event: 100 ms. */
  retryMs?: number;
}

interface Pair {
  reader: Redis;
  subscriber: Redis;
  store: SessionStore;
  tracking: Tracking;
  tracked: boolean;
}

export function trackCluster(options: ClusterTrackingOptions) {
  const { cluster, cache, log } = options;
  const heartbeatMs = options.heartbeatMs ?? 250;
  const retryMs = options.retryMs ?? 1000;
  let build = 0; // grows on every rebuild: work begun for an older build gives up
  let losses = 0; // grows whenever a pair stops tracking: an activation begun before gives up
  let map: SlotMap | undefined;
  let pairs = new Map<string, Pair>();
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  let closed = false;

  function setActive(on: boolean, reason?: string): void {
    if (on === cache.active) return;
    if (on) cache.activate();
    else cache.deactivate();
    options.onActiveChange?.(on);
    if (on) log.info({ primaries: pairs.size }, 'session cache on: Redis tracking established on every primary');
    else log.warn({ reason }, 'session cache off (reads go to Redis) until tracking is re-established on every primary');
  }

  function dispose(pair: Pair): Promise<unknown> {
    pair.tracking.close();
    return Promise.all([closeRedis(pair.reader), closeRedis(pair.subscriber)]);
  }

  /** Flush, drop every pair and build them again from a fresh slot map after `delayMs`. */
  function rebuild(reason: string, delayMs: number): void {
    if (closed) return;
    build += 1;
    setActive(false, reason);
    for (const pair of pairs.values()) void dispose(pair);
    pairs = new Map();
    map = undefined;
    clearTimeout(timer);
    timer = setTimeout(() => void start(build), delayMs).unref();
  }

  async function start(mine: number): Promise<void> {
    try {
      // ROLE only as a permission probe (the fence asks it of every primary): without it, no pairs are opened.
      const [slots] = await Promise.all([cluster.cluster('SLOTS'), cluster.role()]);
      const next = parseClusterSlots(slots);
      if (mine !== build || closed) return;
      if (next === undefined) throw new Error('the cluster has slots without a primary');
      map = next;
      for (const primary of next.primaries) pairs.set(primary.address, openPair(primary, mine));
    } catch (error) {
      if (mine !== build || closed) return;
      if (!failing) log.warn({ err: safeError(error) }, 'session cache: cluster slot map (or ROLE) not read; retrying');
      failing = true;
      rebuild('cluster slot map not read', retryMs);
    }
  }

  function openPair(primary: Primary, mine: number): Pair {
    const { reader, subscriber } = options.connect(primary);
    const pair: Pair = { reader, subscriber, store: options.openStore(reader), tracking: undefined as unknown as Tracking, tracked: false };
    // tracking.ts drives one pair; this view of the cache turns the real one on only when every pair tracks.
    const view = {
      get active() {
        return pair.tracked;
      },
      activate() {
        pair.tracked = true;
        void activateIfAll(mine);
      },
      deactivate() {
        if (!pair.tracked) return;
        pair.tracked = false;
        losses += 1;
        setActive(false, `tracking lost on ${primary.address}`);
      },
      invalidate: (sid: string) => cache.invalidate(sid),
      flush: () => cache.flush(),
    };
    const confirm = () => stillPrimary(reader, primary, mine);
    pair.tracking = trackInvalidations({ reader, subscriber, cache: view, sidOfRecord: options.sidOfRecord, log, heartbeatMs, confirm });
    return pair;
  }

  // The fence's second half, sent to every pair's reader in the loop turn of its PING (so after every hit it
  // serves arrived): is the node still a primary? A manual `CLUSTER FAILOVER` that leaves the old primary up
  // closes none of our connections; writes then go to the new primary, whose invalidations no pair of ours
  // hears (the old node, now a replica, invalidates a tracked key only once it has replicated the write,
  // which can lag), and the PING on the old node is still answered. ROLE says 'slave' there as soon as the
  // old primary knows; then the cache is flushed and rebuilt (as for a slot map change) before the fence
  // fails, so the hit reads from Redis through the Cluster client, which follows MOVED to the new primary.
  // Cost: one ROLE per primary per fence, next to its PING (two commands per primary instead of one, the
  // same single round trip).
  //
  // What remains (Redis 7.0 cluster.c): on a manual failover the old primary pauses writes
  // (CLIENT_PAUSE_WRITE: ROLE and PING are still answered) from the replica's MFSTART until it learns it was
  // replaced; then it turns replica and unpauses, so a write sent to it gets MOVED only once ROLE here says
  // 'slave', and a client that learns of the new primary by that MOVED cannot write there sooner. The
  // promoted replica announces itself to every node at once (a PONG broadcast); a client that learns the
  // new map from a third node can write to the new primary before that PONG reached the old one: one
  // cluster-bus hop (well under a millisecond on a LAN) during which a hit here can still be served.
  // FORCE and TAKEOVER failovers skip the pause (same hop). Not closed here: an old primary cut off from the
  // cluster bus keeps answering 'master' (and its old slot map) until it is reachable again; that is the
  // Cluster's own split, in which it accepts writes on both sides too.
  async function stillPrimary(reader: Redis, primary: Primary, mine: number): Promise<void> {
    const role = await reader.role();
    if (role[0] === 'master') return;
    if (mine === build) rebuild(`${primary.address} is no longer a primary`, 100);
    throw new Error(`${primary.address} is no longer a primary`);
  }

  /** True when every primary reports the slot map the pairs were built for. */
  async function mapHolds(current: Map<string, Pair>, expected: SlotMap): Promise<boolean> {
    const answers = await Promise.all([...current.values()].map((pair) => pair.reader.cluster('SLOTS')));
    return answers.every((answer) => slotsFingerprint(answer) === expected.fingerprint);
  }

  async function activateIfAll(mine: number): Promise<void> {
    const current = pairs;
    const expected = map;
    if (mine !== build || expected === undefined || ![...current.values()].every((pair) => pair.tracked)) return;
    const lossesBefore = losses;
    // ROLE too: the fence asks it on every hit, so a user without it (ROLE is @admin) would turn every hit
    // into a Redis read; the cache stays off instead, and says why.
    let denied: unknown;
    const roles = Promise.all([...current.values()].map((pair) => pair.reader.role()));
    const holds = await Promise.all([mapHolds(current, expected), roles]).then(
      ([same, replies]) => same && replies.every((role) => role[0] === 'master'),
      (error: unknown) => {
        denied = error;
        return false;
      },
    );
    if (mine !== build || closed) return;
    if (denied !== undefined && !failing) {
      log.warn({ err: safeError(denied) }, 'session cache: a primary did not answer CLUSTER SLOTS or ROLE; retrying');
    }
    if (denied !== undefined) failing = true;
    if (!holds) return rebuild('the primaries report another slot map or role', retryMs);
    if (losses !== lossesBefore || ![...current.values()].every((pair) => pair.tracked)) return;
    failing = false;
    setActive(true);
  }

  // A slot move, failover or node change that closes no connection of ours is seen here within a beat. While
  // off (e.g. a pair keeps reconnecting to a primary that failed over), the map is asked of the shared client
  // instead, so that a new primary gets its pair even when no request made the shared client notice.
  const watch = setInterval(() => {
    const expected = map;
    if (expected === undefined) return;
    const mine = build;
    const on = cache.active;
    const check = on
      ? mapHolds(pairs, expected)
      : cluster.cluster('SLOTS').then((reply) => slotsFingerprint(reply) === expected.fingerprint);
    check.then(
      (holds) => {
        if (!holds && mine === build) rebuild('the cluster slot map changed', 100);
      },
      () => {
        if (on && mine === build) rebuild('a primary did not report its slot map', retryMs);
      },
    );
  }, heartbeatMs).unref();

  // The shared client saw a redirection (it refreshes its slot map), or nodes came, went or failed.
  const onTopology = (event: string) => () => rebuild(`cluster ${event}`, 100);
  const listeners = (['refresh', '+node', '-node', 'node error'] as const).map((event) => [event, onTopology(event)] as const);
  for (const [event, listener] of listeners) cluster.on(event, listener);

  void start(build);

  return {
    /** A tracked read of `sid` on the reader of its slot; through the Cluster client when there is none. */
    async read(sid: string): Promise<StoredValue | null> {
      const pair = map === undefined ? undefined : pairs.get(map.addressOf(keySlot(options.recordKey(sid))));
      if (pair === undefined || !pair.tracked) return options.readUntracked(sid);
      try {
        return await pair.store.get(sid);
      } catch {
        // MOVED/ASK (the slot left that node) or the node is unreachable: flush, and read the way the service
        // does without a cache (the rebuild overtook this read, so its answer is not kept).
        rebuild('a tracked read failed', 100);
        return options.readUntracked(sid);
      }
    },
    /**
     * Drops every pair and opens new ones at once (the cache is off meanwhile): after a reload of the Redis
     * password, so the pairs log in with the new one (`connect` reads it) before Redis drops the old one.
     */
    reconnect(reason: string): void {
      rebuild(reason, 0);
    },
    /** Every pair's fence: the record of a hit was read on one of them, whichever its slot is now. */
    fence(): Promise<void> {
      const current = [...pairs.values()];
      if (current.length === 0) return Promise.reject(new Error('no primary is tracked'));
      return Promise.all(current.map((pair) => pair.tracking.fence())).then(() => undefined);
    },
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      clearInterval(watch);
      for (const [event, listener] of listeners) cluster.off(event, listener);
      if (cache.active) cache.deactivate();
      const open = [...pairs.values()];
      pairs = new Map();
      await Promise.all(open.map(dispose));
    },
  };
}
