// `npm run worker`: the enrichment worker alone (ENRICHMENT_WORKER=false on the service instances, or
// extra workers beside them). Same environment as the service; needs Redis (the queue lives there). On
// SIGTERM/SIGINT it stops taking jobs and waits for the ones in hand; one cut short is "stalled" and BullMQ
// gives it to the next worker, so none is lost. With SHOPS_FILE (issue 18 part 3) every shop has its own
// queue under its key prefix: the worker serves each shop with REGISTER_PROFILE_FIELDS, on the one
// connection, or only the shop `--shop <id>` names.
import closeWithGrace from 'close-with-grace';
import { pathToFileURL } from 'node:url';
import { createEnrichmentRuntime, type EnrichmentRuntime } from '../enrichment/runtime.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { createRedisClient } from '../redis/connection.js';
import { closeRedis, waitForRedis } from '../redis/lifecycle.js';
import { loadCliShops, takeShopOption, type CliIo } from './cli-io.js';

const USAGE = 'usage: npm run worker [-- --shop <id>]';

export interface Workers {
  /** The shops served (undefined: the one shop without SHOPS_FILE). */
  shops: Array<string | undefined>;
  logger: ReturnType<typeof createLogger>;
  /** Stops taking jobs, waits for the ones in hand, closes the connection. */
  close(): Promise<void>;
}

/** Starts the workers; resolves to them, or to an exit code after printing why it cannot (no value). */
export async function startWorkers(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: Pick<CliIo, 'err'>,
): Promise<Workers | number> {
  const option = takeShopOption(argv);
  if ('problem' in option || option.argv.length > 0) {
    io.err('problem' in option ? `${option.problem}\n${USAGE}` : USAGE);
    return 2;
  }
  const target = loadCliShops(option.shop, env, io, { scope: 'all' });
  if ('exit' in target) return target.exit;
  // Shops without REGISTER_PROFILE_FIELDS queue nothing; one named by --shop must have it.
  const served = target.shops.filter((shop) => shop.config.enrichment !== undefined);
  const redisConfig = target.shops[0]!.config.redis; // process-wide: the same for every shop
  if (served.length === 0 || redisConfig === undefined) {
    io.err('REGISTER_PROFILE_FIELDS and REDIS_URL must be set: the worker takes its jobs from Redis');
    return 1;
  }
  // The service's logger: the same redaction, so a worker line never holds what a service line may not.
  const logger = createLogger(target.shops[0]!.config.logLevel);
  const redis = createRedisClient(redisConfig.target, { logger });
  await waitForRedis(redis, 10_000).catch(() => logger.error('Redis is not reachable yet; the worker waits for it'));
  const metrics = createMetrics();
  const runtimes: EnrichmentRuntime[] = served.map(({ id, config }) =>
    createEnrichmentRuntime({
      config,
      enrichment: config.enrichment!,
      redis,
      logger: id === undefined ? logger : logger.child({ shop: id }),
      metrics,
      worker: true,
    }),
  );
  const shops = served.map((shop) => shop.id);
  logger.info(shops[0] === undefined ? {} : { shops }, 'enrichment worker started');
  return {
    shops,
    logger,
    async close() {
      await Promise.all(runtimes.map((runtime) => runtime.close()));
      await closeRedis(redis);
    },
  };
}

// Run as a program (npm run worker), not when a test imports it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const workers = await startWorkers(process.argv.slice(2), process.env, { err: (line) => process.stderr.write(`${line}\n`) });
  if (typeof workers === 'number') process.exit(workers);
  closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
    if (err) workers.logger.error({ err }, 'closing after an uncaught error');
    else workers.logger.info({ signal }, 'closing');
    await workers.close();
  });
}
