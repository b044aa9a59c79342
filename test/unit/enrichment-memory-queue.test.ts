// The in-process enrichment queue (no Redis) has BullMQ's semantics: exponential backoff between tries,
// a dead-letter list after the last one (at once for a permanent failure), retryDead with fresh tries,
// and close() waiting for the job in hand. Fake timers: no real waits.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createMemoryQueue } from '../../src/enrichment/memory-queue.js';
import { PermanentEnrichmentError, type EnrichmentQueue } from '../../src/enrichment/queue.js';

const job = { customerId: '7', sealed: 'c2VhbGVk', requestId: 'r1' };
let queue: EnrichmentQueue;

beforeEach(() => {
  vi.useFakeTimers();
  queue = createMemoryQueue({ policy: { attempts: 3, backoffMs: 100 } });
});
afterEach(async () => {
  await queue.close();
  vi.useRealTimers();
});

it('retries with exponential backoff, then succeeds', async () => {
  const tries: number[] = [];
  const events = { onRetry: vi.fn(), onDone: vi.fn(), onDead: vi.fn() };
  queue.startWorker(async () => {
    tries.push(Date.now());
    if (tries.length < 3) throw new Error('503');
  }, events);
  await queue.enqueue(job);
  await vi.advanceTimersByTimeAsync(99);
  expect(tries).toHaveLength(1);
  await vi.advanceTimersByTimeAsync(1);
  expect(tries).toHaveLength(2);
  await vi.advanceTimersByTimeAsync(199);
  expect(tries).toHaveLength(2);
  await vi.advanceTimersByTimeAsync(1);
  expect(tries).toHaveLength(3);
  expect(events.onRetry).toHaveBeenCalledTimes(2);
  expect(events.onDone).toHaveBeenCalledWith(job, 3);
  expect(events.onDead).not.toHaveBeenCalled();
});

it('dead-letters after the last try, and retryDead gives fresh tries', async () => {
  let fail = true;
  const events = { onDone: vi.fn(), onDead: vi.fn() };
  queue.startWorker(async () => {
    if (fail) throw new Error('500');
  }, events);
  await queue.enqueue(job);
  await vi.advanceTimersByTimeAsync(1_000);
  expect(events.onDead).toHaveBeenCalledWith(job, 3, expect.any(Error));
  expect(await queue.deadCount()).toBe(1);
  fail = false;
  expect(await queue.retryDead()).toBe(1);
  await vi.advanceTimersByTimeAsync(0);
  expect(await queue.deadCount()).toBe(0);
  expect(events.onDone).toHaveBeenCalledWith(job, 1);
});

it('dead-letters a permanent failure at once', async () => {
  const onDead = vi.fn();
  let calls = 0;
  queue.startWorker(
    async () => {
      calls += 1;
      throw new PermanentEnrichmentError('422');
    },
    { onDead },
  );
  await queue.enqueue(job);
  await vi.advanceTimersByTimeAsync(10_000);
  expect(calls).toBe(1);
  expect(onDead).toHaveBeenCalledWith(job, 1, expect.any(PermanentEnrichmentError));
});

it('close() waits for the job in hand', async () => {
  let release!: () => void;
  let finished = false;
  queue.startWorker(async () => {
    await new Promise<void>((resolve) => (release = resolve));
    finished = true;
  }, {});
  await queue.enqueue(job);
  await vi.advanceTimersByTimeAsync(0);
  const closed = queue.close().then(() => finished);
  release();
  expect(await closed).toBe(true);
});
