// `npm run worker`: the enrichment worker alone (ENRICHMENT_WORKER=false on the service instances, or
// extra workers beside them). Same environment as the service; needs Redis (the queue lives there). On
// SIGTERM/SIGINT it stops taking jobs and waits for the ones in hand; one cut short is "stalled" and BullMQ
// gives it to the next worker, so none is lost.
import closeWithGrace from 'close-with-grace';
import { createEnrichmentRuntime } from '../enrichment/runtime.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { createRedisClient } from '../redis/connection.js';
import { closeRedis, waitForRedis } from '../redis/lifecycle.js';
import { loadCliConfig } from './cli-io.js';

const config = loadCliConfig(process.env, { err: (line) => process.stderr.write(`${line}\n`) });
if (config === undefined) process.exit(1);
if (config.enrichment === undefined || config.redis === undefined) {
  process.stderr.write('REGISTER_PROFILE_FIELDS and REDIS_URL must be set: the worker takes its jobs from Redis\n');
  process.exit(1);
}
// The service's logger: the same redaction, so a worker line never holds what a service line may not.
const logger = createLogger(config.logLevel);
const redis = createRedisClient(config.redis.target, { logger });
await waitForRedis(redis, 10_000).catch(() => logger.error('Redis is not reachable yet; the worker waits for it'));
const runtime = createEnrichmentRuntime({ config, enrichment: config.enrichment, redis, logger, metrics: createMetrics(), worker: true });
logger.info('enrichment worker started');

closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'closing after an uncaught error');
  else logger.info({ signal }, 'closing');
  await runtime.close();
  await closeRedis(redis);
});
