// Bounds how many hash checks run at once and how many may wait. Hashing runs off the event loop
// (threadpool, workers), but it still takes CPU: unbounded, a burst of checks gets the cores and the
// event loop that serves sessions gets a sliver of them (bench/migration: session p99 went from 14 ms to
// 15 s on two cores). Beyond the queue a check is refused at once (BusyError → 503 with retry-after), so
// SCAYLE retries later instead of every login waiting.

export class BusyError extends Error {
  constructor() {
    super('too many password checks in progress');
    this.name = 'BusyError';
  }
}

export interface CheckLimiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createCheckLimiter(options: { concurrency: number; queueMax: number }): CheckLimiter {
  const { concurrency, queueMax } = options;
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async run(task) {
      if (active < concurrency) active += 1;
      else if (waiting.length >= queueMax) throw new BusyError();
      // A finishing check hands its slot straight to the next waiter (active stays the same).
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active -= 1;
      }
    },
  };
}
