// issue 20: the read cache's rules, with a controllable Redis read. A read that an invalidation or a flush
// overtook while it was in flight is never kept (over RESP2 the invalidation can arrive before the reply);
// nothing is kept while tracking is off; a hit waits for the fence (tracking.ts) and turns into a Redis read
// when an invalidation arrived meanwhile or the fence failed.
import { describe, expect, it } from 'vitest';
import { createReadCache, type CachedRecord } from '../../src/sessions/cache/read-cache.js';
import type { SessionData } from '../../src/sessions/session-record.js';
import type { StoredValue } from '../../src/sessions/store.js';

interface PendingRead {
  sid: string;
  tracked: boolean;
  resolve(value: StoredValue | null): void;
}

/** A cache whose Redis reads wait until the test answers them. */
function rig(options: { maxEntries?: number; fence?: () => Promise<void> } = {}) {
  const reads: PendingRead[] = [];
  const cache = createReadCache({
    maxEntries: options.maxEntries ?? 100,
    read: (sid, tracked) => new Promise((resolve) => reads.push({ sid, tracked, resolve })),
    fence: options.fence ?? (() => Promise.resolve()),
  });
  const decode = (stored: StoredValue): CachedRecord => ({
    version: stored.version,
    data: { v: stored.value.toString() } as unknown as SessionData,
  });
  const valueOf = (record: CachedRecord | null): string | undefined => (record?.data as unknown as { v: string } | undefined)?.v;
  /** Loads `sid`, answering its Redis read (if it makes one) with `value`. */
  async function loadAnswering(sid: string, value: string, version = 1): Promise<{ value: string | undefined; readRedis: boolean }> {
    const before = reads.length;
    const loading = cache.load(sid, decode);
    await new Promise((resolve) => setImmediate(resolve));
    const readRedis = reads.length > before;
    if (readRedis) reads.at(-1)!.resolve({ value: Buffer.from(value), version });
    return { value: valueOf(await loading), readRedis };
  }
  return { cache, reads, decode, valueOf, loadAnswering };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the session read cache', () => {
  it('keeps a tracked read and answers the next load from memory', async () => {
    const { cache, loadAnswering } = rig();
    cache.activate();
    expect(await loadAnswering('s1', 'one')).toEqual({ value: 'one', readRedis: true });
    expect(await loadAnswering('s1', 'unused')).toEqual({ value: 'one', readRedis: false });
  });

  it('does not keep a read that an invalidation of its key overtook in flight', async () => {
    const { cache, reads, decode, valueOf, loadAnswering } = rig();
    cache.activate();
    const loading = cache.load('s1', decode);
    await flush();
    // The invalidation (subscriber connection) arrives before the GET's reply (reader connection).
    cache.invalidate('s1');
    reads[0]!.resolve({ value: Buffer.from('old'), version: 1 });
    expect(valueOf(await loading)).toBe('old'); // answered to the request that was in flight, but not kept
    expect(await loadAnswering('s1', 'new', 2)).toEqual({ value: 'new', readRedis: true });
  });

  it('keeps a read when only another key was invalidated', async () => {
    const { cache, reads, decode, loadAnswering } = rig();
    cache.activate();
    const loading = cache.load('s1', decode);
    await flush();
    cache.invalidate('s2');
    reads[0]!.resolve({ value: Buffer.from('one'), version: 1 });
    await loading;
    expect(await loadAnswering('s1', 'unused')).toEqual({ value: 'one', readRedis: false });
  });

  it('does not keep a read that a flush overtook, and a flush drops every entry', async () => {
    const { cache, reads, decode, loadAnswering } = rig();
    cache.activate();
    await loadAnswering('s0', 'zero');
    const loading = cache.load('s1', decode);
    await flush();
    cache.flush();
    reads[1]!.resolve({ value: Buffer.from('old'), version: 1 });
    await loading;
    expect(cache.size).toBe(0);
    expect((await loadAnswering('s1', 'new')).readRedis).toBe(true);
    expect((await loadAnswering('s0', 'zero again')).readRedis).toBe(true);
  });

  it('flushes when tracking is lost, reads untracked until it is back, and keeps nothing that straddled the loss', async () => {
    const { cache, reads, decode, loadAnswering } = rig();
    cache.activate();
    await loadAnswering('s1', 'one');
    const straddling = cache.load('s2', decode);
    await flush();
    cache.deactivate();
    expect(cache.size).toBe(0);
    // While off: every load goes to Redis the untracked way and nothing is kept.
    expect(await loadAnswering('s1', 'from redis')).toEqual({ value: 'from redis', readRedis: true });
    expect(reads.at(-1)!.tracked).toBe(false);
    expect((await loadAnswering('s1', 'again')).readRedis).toBe(true);
    cache.activate();
    reads[1]!.resolve({ value: Buffer.from('stale'), version: 1 });
    await straddling;
    expect(await loadAnswering('s2', 'fresh')).toEqual({ value: 'fresh', readRedis: true });
  });

  it('turns a hit into a Redis read when an invalidation arrives before its fence is answered', async () => {
    let answerFence: () => void = () => undefined;
    const { cache, reads, decode, valueOf } = rig({
      fence: () => new Promise<void>((resolve) => (answerFence = resolve)),
    });
    cache.activate();
    const first = cache.load('s1', decode);
    await flush();
    reads[0]!.resolve({ value: Buffer.from('one'), version: 1 });
    await first;
    const hit = cache.load('s1', decode);
    await flush();
    expect(reads).toHaveLength(1); // waiting for the fence, not reading
    cache.invalidate('s1'); // Redis queued it before the PONG
    answerFence();
    await flush();
    expect(reads).toHaveLength(2);
    reads[1]!.resolve(null);
    expect(valueOf(await hit)).toBeUndefined();
  });

  it('reads from Redis when the fence cannot be answered', async () => {
    let fails = false;
    const { cache, loadAnswering } = rig({ fence: () => (fails ? Promise.reject(new Error('timeout')) : Promise.resolve()) });
    cache.activate();
    await loadAnswering('s1', 'one');
    expect((await loadAnswering('s1', 'unused')).readRedis).toBe(false);
    fails = true;
    expect(await loadAnswering('s1', 'from redis')).toEqual({ value: 'from redis', readRedis: true });
  });

  it('never keeps a missing or unreadable record, and holds at most maxEntries', async () => {
    const { cache, reads, loadAnswering } = rig({ maxEntries: 2 });
    cache.activate();
    const missing = cache.load('gone', () => null);
    await flush();
    reads[0]!.resolve(null);
    expect(await missing).toBeNull();
    const unreadable = cache.load('bad', () => null);
    await flush();
    reads[1]!.resolve({ value: Buffer.from('x'), version: 1 });
    expect(await unreadable).toBeNull();
    expect(cache.size).toBe(0);
    for (const sid of ['a', 'b', 'c']) await loadAnswering(sid, sid);
    expect(cache.size).toBe(2);
    expect((await loadAnswering('a', 'a again')).readRedis).toBe(true); // the least recently used went first
  });
});
