// issue 20: the session read cache on Sentinel. The tracked pair (tracking.ts: reader and subscriber) and the
// service's data client (app.redis) each ask the sentinels for the primary when they connect, so after a
// failover they can end up on different servers: a data client that followed `+switch-master` to the new
// primary while the pair stays on the old one (after a manual SENTINEL FAILOVER, still a primary until the
// sentinels convert it: 10 s after +switch-master, measured here) would serve from memory what the data
// client no longer sees. So the cache is tied to the data client:
//  - established only while the reader is on a primary and on the data client's server (INFO run_id of
//    both; the subscriber is on the reader's server by tracking.ts's CLIENT LIST check);
//  - any close or reconnect of the data client, the reader or the subscriber flushes it and turns it off;
//  - the fence also asks ROLE on the reader (as on a Cluster): an old primary demoted under a pair that
//    missed the switch turns the cache off, and the hit is read from Redis.
// When the pair is elsewhere it reconnects (the sentinels name the primary again), at most once per retryMs;
// it does not subscribe to `+switch-master` itself (three connections to every sentinel fewer per process).
//
// Why no staler than without a cache: while the cache is on, the pair and the data client are connected,
// without a reconnect since that check, to one server X. An uncached read on this process goes to X through
// the data client; a hit waits for a PING on the subscriber on X, answered after every invalidation X queued
// before, i.e. of every write X applied (its own or replicated) to a key the reader read. So a hit holds what
// X held when the fence was answered: what an uncached read at that moment would have read. What remains is
// Sentinel's, with or without a cache: between the promotion and the data client's reconnect (the
// `+switch-master` message, or a READONLY answer once X is a replica), reads on X miss writes that other
// instances already sent to the new primary; an old primary cut off from the sentinels keeps answering
// 'master' and keeps the clients that stay on it, as uncached reads do.
import type { Redis } from 'ioredis';
import type { Tracking } from './tracking.js';

export interface SentinelGuardOptions {
  /** The tracked pair (tracking.ts), Sentinel clients made with `failoverDetector: false`. */
  reader: Redis;
  subscriber: Redis;
  /** The service's data client (app.redis): uncached reads and every write go through it. */
  data: Redis;
  /** The pair is moved (reconnected) at most this often while it is on another server (default 1000 ms). */
  retryMs?: number;
}

/** The `run_id` of an `INFO server` reply: unique per server process. */
function runId(info: string): string | undefined {
  return /^run_id:(\w+)/m.exec(info)?.[1];
}

export function guardSentinelPair({ reader, subscriber, data, retryMs = 1000 }: SentinelGuardOptions) {
  let tracking: Pick<Tracking, 'reset'> | undefined;
  let movedAt = 0;

  /** Reconnect the pair: ioredis asks the sentinels for the primary (and checks its role) on every connect. */
  function move(): void {
    if (Date.now() - movedAt < retryMs) return;
    movedAt = Date.now();
    reader.disconnect(true);
    subscriber.disconnect(true);
  }

  /** tracking.ts `precondition`: the reader is on a primary, the one the data client is on. */
  async function precondition(): Promise<void> {
    const [role, ours, theirs] = await Promise.all([reader.role(), reader.info('server'), data.info('server')]).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      // ROLE is @admin: without it every hit would be a Redis read, so the cache stays off and the log says why.
      if (message.startsWith('NOPERM')) throw new Error(`the session cache on Sentinel needs ROLE and INFO: ${message}`);
      throw error;
    });
    if (role[0] !== 'master') {
      move();
      throw new Error('the session cache reader is not on a primary');
    }
    if (runId(ours) === undefined || runId(ours) !== runId(theirs)) {
      move();
      throw new Error('the session cache reader is not on the data connection server');
    }
  }

  /** tracking.ts `confirm`, with every fence's PING: the reader's server is still a primary. */
  async function confirm(): Promise<void> {
    const role = await reader.role();
    if (role[0] === 'master') return;
    tracking?.reset('the session cache reader is no longer on a primary');
    throw new Error('the session cache reader is no longer on a primary');
  }

  // Wherever the data client reconnects to, the pair is checked against it again before the cache is used.
  const onDataClose = (): void => tracking?.reset('the data connection closed');
  const onDataReady = (): void => tracking?.reset('the data connection reconnected');
  data.on('close', onDataClose);
  data.on('ready', onDataReady);

  return {
    precondition,
    confirm,
    /** The pair's tracking, once created (it needs `precondition` and `confirm` first). */
    attach(pair: Pick<Tracking, 'reset'>): void {
      tracking = pair;
    },
    close(): void {
      tracking = undefined;
      data.off('close', onDataClose);
      data.off('ready', onDataReady);
    },
  };
}
