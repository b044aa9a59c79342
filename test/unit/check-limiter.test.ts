// The hash-check limiter: at most `concurrency` tasks run, at most `queueMax` wait (in order), the rest are
// refused at once with BusyError; a finished task hands its slot to the next, and a failing one frees it.
import { expect, it } from 'vitest';
import { BusyError, createCheckLimiter } from '../../src/migration/check-limiter.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

it('runs up to the concurrency, queues up to the bound and refuses beyond it', async () => {
  const limiter = createCheckLimiter({ concurrency: 2, queueMax: 1 });
  const started: number[] = [];
  const gates = [deferred(), deferred(), deferred(), deferred()];
  const runs = gates.slice(0, 3).map((gate, i) => limiter.run(async () => (started.push(i), gate.promise)));
  await Promise.resolve();
  expect(started).toEqual([0, 1]);
  await expect(limiter.run(async () => undefined)).rejects.toBeInstanceOf(BusyError);
  gates[0]!.reject(new Error('boom'));
  await expect(runs[0]).rejects.toThrow('boom');
  expect(started).toEqual([0, 1, 2]);
  gates[1]!.resolve();
  gates[2]!.resolve();
  await Promise.all(runs.slice(1));
  // Everything released: two run at once again.
  const again = [deferred(), deferred()];
  const more = again.map((gate) => limiter.run(() => gate.promise));
  const queued = limiter.run(async () => 'queued-ok');
  await expect(limiter.run(async () => undefined)).rejects.toBeInstanceOf(BusyError);
  again.forEach((g) => g.resolve());
  await Promise.all(more);
  await expect(queued).resolves.toBe('queued-ok');
});
