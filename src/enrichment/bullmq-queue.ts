// The enrichment queue on BullMQ, on the service's Redis (one node, Sentinel or Cluster). Every key sits
// under `<REDIS_KEY_PREFIX>{enrichment}:`, one hash tag, because BullMQ's scripts touch many keys of a
// queue at once (one Cluster slot). BullMQ's failed set, kept (removeOnFail: false), is the dead-letter
// list. A job a stopped worker held is "stalled"; BullMQ hands it to the next worker: no job is lost.
import { Queue, UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { closeRedis } from '../redis/lifecycle.js';
import type { EnrichmentJobData } from './job-payload.js';
import type { EnrichmentEvents, EnrichmentProcessor, EnrichmentQueue, EnrichmentWorker, RetryPolicy } from './queue.js';
import { PermanentEnrichmentError } from './queue.js';

export const QUEUE_NAME = 'profile-updates';

/** BullMQ's prefix: the service's key prefix and one hash tag for the whole queue. */
export function queuePrefix(keyPrefix: string): string {
  return `${keyPrefix}{enrichment}`;
}

export interface BullmqQueueOptions {
  /** Fail-fast client (the factory's defaults) for adding jobs and reading the dead-letter list. */
  connection: RedisClient;
  /** Opens the worker's client (maxRetriesPerRequest: null, see redis/connection.ts); the worker closes it. */
  workerConnection: () => RedisClient;
  keyPrefix: string;
  policy: RetryPolicy;
  concurrency?: number;
  onWorkerError?: (err: unknown) => void;
  /** Tests only: shorter lock and stalled-check periods than BullMQ's 30 s. */
  workerOptions?: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval'>;
}

export function createBullmqQueue(options: BullmqQueueOptions): EnrichmentQueue {
  const prefix = queuePrefix(options.keyPrefix);
  const queue = new Queue<EnrichmentJobData>(QUEUE_NAME, { connection: options.connection, prefix });
  // BullMQ reports connection trouble as 'error' events; unheard, they would crash the process.
  queue.on('error', (err) => options.onWorkerError?.(err));
  let worker: Worker<EnrichmentJobData> | undefined;
  let closing: Promise<void> | undefined;

  function startWorker(processor: EnrichmentProcessor, events: EnrichmentEvents): EnrichmentWorker {
    if (worker) throw new Error('the enrichment worker is already running');
    const connection = options.workerConnection();
    const w = new Worker<EnrichmentJobData>(
      QUEUE_NAME,
      async (job: Job<EnrichmentJobData>) => {
        try {
          await processor(job.data);
        } catch (err) {
          // Skips the remaining attempts: BullMQ moves it straight to the failed (dead-letter) set.
          if (err instanceof PermanentEnrichmentError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      { connection, prefix, concurrency: options.concurrency ?? 4, ...options.workerOptions },
    );
    w.on('completed', (job) => events.onDone?.(job.data, job.attemptsMade + 1));
    w.on('failed', (job, err) => {
      if (!job) return;
      const dead = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (dead) events.onDead?.(job.data, job.attemptsMade, err);
      else events.onRetry?.(job.data, job.attemptsMade, err);
    });
    w.on('error', (err) => options.onWorkerError?.(err));
    worker = w;
    return {
      close: async () => {
        // Waits for the jobs in hand; the worker closes the blocking client it duplicated, we close ours.
        await w.close();
        await closeRedis(connection);
      },
      abandon: async () => {
        // force: no waiting; the job in hand keeps its lock until it expires, then it is "stalled".
        await w.close(true);
        await closeRedis(connection);
      },
    };
  }

  let started: EnrichmentWorker | undefined;
  return {
    async enqueue(data) {
      await queue.add('update', data, {
        attempts: options.policy.attempts,
        backoff: { type: 'exponential', delay: options.policy.backoffMs },
        removeOnComplete: true,
        removeOnFail: false,
      });
    },
    deadCount: () => queue.getFailedCount(),
    async retryDead() {
      // Bounded by the count at the start: a job that fails again at once is not retried twice.
      let left = await queue.getFailedCount();
      let moved = 0;
      while (left > 0) {
        const jobs = await queue.getFailed(0, Math.min(left, 100) - 1);
        if (jobs.length === 0) break;
        for (const job of jobs) {
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          moved += 1;
        }
        left -= jobs.length;
      }
      return moved;
    },
    startWorker(processor, events) {
      started = startWorker(processor, events);
      return started;
    },
    close() {
      closing ??= (async () => {
        await started?.close();
        await queue.close();
      })();
      return closing;
    },
  };
}
