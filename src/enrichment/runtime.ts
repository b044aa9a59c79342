// Everything enrichment runs on, built the same way by the service (plugins/enrichment.ts), `npm run
// worker` (cli/worker.ts) and `npm run enrichment` (cli/enrichment.ts): the queue adapter (BullMQ when
// Redis is configured, else in-process), and optionally a worker that opens each job and sends it to the
// Admin API, logging and counting retries and dead letters (never the profile values).
import type { Dispatcher } from 'undici';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics/metrics.js';
import { upstreamCallObserver } from '../metrics/metrics.js';
import { createRedisClient, type RedisClient, type RedisConnectionLogger } from '../redis/connection.js';
import { liveSessionCrypto } from '../secrets/live.js';
import type { SecretValues } from '../secrets/secret-values.js';
import { createSessionCrypto } from '../sessions/session-crypto.js';
import { createAdminClient, type AdminClient } from './admin-client.js';
import { createBullmqQueue } from './bullmq-queue.js';
import type { EnrichmentConfig } from './config.js';
import { openJob } from './job-payload.js';
import { createMemoryQueue } from './memory-queue.js';
import { PermanentEnrichmentError, type EnrichmentQueue } from './queue.js';

export interface EnrichmentLogger extends RedisConnectionLogger {
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface EnrichmentRuntimeOptions {
  config: Config;
  enrichment: EnrichmentConfig;
  /** The service's fail-fast client; undefined: the in-process queue. The caller closes it. */
  redis: RedisClient | undefined;
  logger: EnrichmentLogger;
  metrics?: Metrics;
  worker: boolean;
  dispatcher?: Dispatcher;
  /** issue 18 part 4: the service's reloadable secrets (token, key ring read per job); the CLIs use the config's. */
  secrets?: { readonly current: SecretValues };
}

export interface EnrichmentRuntime {
  queue: EnrichmentQueue;
  /** Closes the worker (waiting for the jobs in hand), the queue and the Admin API client; idempotent. */
  close(): Promise<void>;
}

/** Status or error code only: an error here never carries the profile values. */
function reason(err: unknown): string {
  if (err instanceof Error) return (err as { code?: string }).code ?? err.message;
  return 'unknown';
}

export function createEnrichmentRuntime(options: EnrichmentRuntimeOptions): EnrichmentRuntime {
  const { config, enrichment, redis, logger, metrics } = options;
  const policy = { attempts: enrichment.attempts, backoffMs: enrichment.backoffMs };
  const queue =
    redis && config.redis
      ? createBullmqQueue({
          connection: redis,
          workerConnection: () => createRedisClient(config.redis!.target, { forQueueWorker: true, logger }),
          keyPrefix: config.redis.keyPrefix,
          policy,
          onWorkerError: (err) => logger.warn({ err: reason(err) }, 'enrichment queue: redis error'),
        })
      : createMemoryQueue({ policy });
  if (metrics) metrics.enrichmentDeadLetterSource.count = () => queue.deadCount();

  let admin: AdminClient | undefined;
  if (options.worker) {
    const baseUrl = enrichment.adminApi.baseUrl;
    if (baseUrl === undefined) throw new Error('ADMIN_API_BASE_URL must be set (dev mode points it at the emulator)');
    const { secrets } = options;
    const client = createAdminClient({
      ...enrichment.adminApi,
      baseUrl,
      token: secrets ? () => secrets.current.ADMIN_API_TOKEN ?? enrichment.adminApi.token : enrichment.adminApi.token,
      connectTimeoutMs: config.scayle.connectTimeoutMs,
      // Bounds how long closing waits for the job in hand (below close-with-grace's 10 s).
      requestTimeoutMs: config.scayle.timeoutMs,
      logger,
      onCall: metrics ? upstreamCallObserver(metrics) : undefined,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    admin = client;
    const crypto = secrets
      ? liveSessionCrypto(() => secrets.current.SESSION_ENCRYPTION_KEYS)
      : createSessionCrypto(config.session.encryptionKeys);
    queue.startWorker(
      async (data) => {
        let values;
        try {
          values = openJob(crypto, data);
        } catch {
          throw new PermanentEnrichmentError('no key of SESSION_ENCRYPTION_KEYS opens the queued profile update');
        }
        await client.updateCustomer(data.customerId, values, data.requestId);
      },
      {
        onDone: (data, attempts) => {
          metrics?.enrichmentJobs.inc({ outcome: 'done' });
          logger.info({ customerId: data.customerId, requestId: data.requestId, attempts }, 'profile update sent to the Admin API');
        },
        onRetry: (data, attempt, err) => {
          metrics?.enrichmentJobs.inc({ outcome: 'retry' });
          logger.warn(
            { customerId: data.customerId, requestId: data.requestId, attempt, reason: reason(err) },
            'profile update failed; retrying',
          );
        },
        onDead: (data, attempts, err) => {
          metrics?.enrichmentJobs.inc({ outcome: 'dead' });
          logger.error(
            { customerId: data.customerId, requestId: data.requestId, attempts, reason: reason(err) },
            'profile update dead-lettered (npm run enrichment -- retry-dead re-queues it)',
          );
        },
      },
    );
  }

  let closing: Promise<void> | undefined;
  return {
    queue,
    close() {
      closing ??= (async () => {
        await queue.close();
        await admin?.close();
      })();
      return closing;
    },
  };
}
