// The in-process enrichment queue (no Redis: dev mode): the same attempts, exponential backoff and
// dead-letter list as BullMQ, payloads round-tripped through JSON as Redis would. Not durable: jobs
// waiting when the process ends are lost (README, "Profile enrichment"). Bounded; timers unref'd.
import type { EnrichmentJobData } from './job-payload.js';
import type { EnrichmentEvents, EnrichmentProcessor, EnrichmentQueue, RetryPolicy } from './queue.js';
import { PermanentEnrichmentError } from './queue.js';

interface MemoryJob {
  json: string;
  attemptsMade: number;
}

export interface MemoryQueueOptions {
  policy: RetryPolicy;
  /** Jobs waiting or delayed at most; beyond it enqueue rejects. Default 10 000. */
  maxJobs?: number;
}

export function createMemoryQueue(options: MemoryQueueOptions): EnrichmentQueue {
  const { attempts, backoffMs } = options.policy;
  const maxJobs = options.maxJobs ?? 10_000;
  const ready: MemoryJob[] = [];
  const dead: MemoryJob[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const active = new Set<Promise<void>>();
  let worker: { processor: EnrichmentProcessor; events: EnrichmentEvents } | undefined;
  let closed = false;

  const pending = (): number => ready.length + timers.size;

  function later(job: MemoryJob, delayMs: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      ready.push(job);
      pump();
    }, delayMs);
    timer.unref();
    timers.add(timer);
  }

  function pump(): void {
    while (worker && !closed && ready.length > 0) {
      const job = ready.shift()!;
      const run = runOne(worker, job).finally(() => active.delete(run));
      active.add(run);
    }
  }

  async function runOne({ processor, events }: NonNullable<typeof worker>, job: MemoryJob): Promise<void> {
    const data = JSON.parse(job.json) as EnrichmentJobData;
    try {
      await processor(data);
      events.onDone?.(data, job.attemptsMade + 1);
    } catch (err) {
      job.attemptsMade += 1;
      if (err instanceof PermanentEnrichmentError || job.attemptsMade >= attempts) {
        dead.push(job);
        events.onDead?.(data, job.attemptsMade, err);
      } else {
        events.onRetry?.(data, job.attemptsMade, err);
        if (!closed) later(job, backoffMs * 2 ** (job.attemptsMade - 1));
      }
    }
  }

  return {
    async enqueue(data) {
      if (closed) throw new Error('the enrichment queue is closed');
      if (pending() >= maxJobs) throw new Error('the in-process enrichment queue is full');
      ready.push({ json: JSON.stringify(data), attemptsMade: 0 });
      pump();
    },
    deadCount: async () => dead.length,
    async retryDead() {
      const jobs = dead.splice(0);
      for (const job of jobs) ready.push({ json: job.json, attemptsMade: 0 });
      pump();
      return jobs.length;
    },
    startWorker(processor, events) {
      if (worker) throw new Error('the enrichment worker is already running');
      worker = { processor, events };
      pump();
      return {
        close: async () => {
          worker = undefined;
          await Promise.all(active);
        },
      };
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      worker = undefined;
      await Promise.all(active);
    },
  };
}
