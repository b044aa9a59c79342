// The enrichment queue contract, with two adapters chosen in one place (plugins/enrichment.ts): BullMQ on
// the service's Redis (bullmq-queue.ts) and, without Redis, an in-process queue with the same semantics
// (memory-queue.ts; not durable). Both retry with exponential backoff and keep exhausted jobs in a
// dead-letter list that retryDead re-queues.
import type { EnrichmentJobData } from './job-payload.js';

/** A failure no retry can mend (the Admin API refused the data, no key opens the payload): dead-letter at once. */
export class PermanentEnrichmentError extends Error {
  override name = 'PermanentEnrichmentError';
}

/** Runs one job; throwing PermanentEnrichmentError skips the remaining attempts. */
export type EnrichmentProcessor = (data: EnrichmentJobData) => Promise<void>;

export interface EnrichmentEvents {
  /** A try failed and another is scheduled. */
  onRetry?(data: EnrichmentJobData, attempt: number, err: unknown): void;
  /** The job is done. */
  onDone?(data: EnrichmentJobData, attempts: number): void;
  /** Attempts exhausted or a permanent failure: the job is now in the dead-letter list. */
  onDead?(data: EnrichmentJobData, attempts: number, err: unknown): void;
}

export interface RetryPolicy {
  attempts: number;
  /** First retry delay; try n waits backoffMs * 2^(n-1). */
  backoffMs: number;
}

export interface EnrichmentQueue {
  /** Adds a job; resolves once it is stored (the caller does not wait for it to run). */
  enqueue(data: EnrichmentJobData): Promise<void>;
  deadCount(): Promise<number>;
  /** Moves every dead-lettered job back to the queue with fresh attempts; resolves to how many. */
  retryDead(): Promise<number>;
  /** Starts processing in this process; its close() waits for the job in hand. */
  startWorker(processor: EnrichmentProcessor, events: EnrichmentEvents): EnrichmentWorker;
  /** Idempotent; closes a worker started here first. */
  close(): Promise<void>;
}

export interface EnrichmentWorker {
  close(): Promise<void>;
  /** Stops at once as a killed process would: jobs in hand are left to run again elsewhere (BullMQ only). */
  abandon?(): Promise<void>;
}
