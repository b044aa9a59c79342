// The per-session refresh lock across instances: `SET NX PX` with an owner value, renewed while the holder
// works, released by compare-and-delete. A request that finds it taken polls until the holder's result
// shows up in the session, or gives up.
import { randomUUID } from 'node:crypto';
import type { SessionStore } from './store.js';

export interface RefreshLockOptions {
  lockTtlMs: number;
  /** How long a request waits for another holder before `onTimeout`. */
  waitMs: number;
  pollMs: number;
  /** The error to give up with. */
  onTimeout: () => unknown;
  /** Called with the time spent waiting, when there was a wait. */
  onWait?: (ms: number) => void;
}

/**
 * Runs `work` holding the session's lock. While another holder has it, polls `settled` (the holder's
 * result, once the session shows it) and answers with that instead, so only one holder does the work.
 */
export async function withRefreshLock<T>(
  store: SessionStore,
  sid: string,
  options: RefreshLockOptions,
  settled: () => Promise<T | undefined>,
  work: () => Promise<T>,
): Promise<T> {
  const { lockTtlMs, waitMs, pollMs } = options;
  const owner = randomUUID();
  const started = Date.now();
  while (!(await store.acquireLock(sid, owner, lockTtlMs))) {
    await sleep(pollMs);
    const result = await settled();
    if (result !== undefined) {
      options.onWait?.(Date.now() - started);
      return result;
    }
    if (Date.now() - started > waitMs) throw options.onTimeout();
  }
  if (Date.now() - started > pollMs) options.onWait?.(Date.now() - started);
  const renew = setInterval(
    () => {
      store.renewLock(sid, owner, lockTtlMs).catch(() => undefined);
    },
    Math.floor(lockTtlMs / 3),
  );
  renew.unref();
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await store.releaseLock(sid, owner).catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
