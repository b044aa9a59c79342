// `npm run enrichment -- retry-dead`: re-queues every dead-lettered profile update with fresh attempts;
// `... stats`: the dead-letter list's length. Same environment and factories as the service; prints
// counts only, never a profile value. With SHOPS_FILE, `--shop <id>` picks the shop whose queue (under
// its key prefix) the command works on (issue 18 part 3).
import { pathToFileURL } from 'node:url';
import { createEnrichmentRuntime } from '../enrichment/runtime.js';
import { createRedisClient } from '../redis/connection.js';
import { closeRedis, waitForRedis } from '../redis/lifecycle.js';
import { loadCliShops, takeShopOption, type CliIo } from './cli-io.js';

const USAGE = 'usage: npm run enrichment -- [--shop <id>] retry-dead | stats';
const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined, debug: () => undefined };

/** Runs one command; resolves to the process exit code. */
export async function runEnrichmentCli(argv: readonly string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const option = takeShopOption(argv);
  const [command, ...rest] = 'problem' in option ? [] : option.argv;
  if ('problem' in option || (command !== 'retry-dead' && command !== 'stats') || rest.length > 0) {
    io.err('problem' in option ? `${option.problem}\n${USAGE}` : USAGE);
    return 2;
  }
  const target = loadCliShops(option.shop, env, io, { scope: 'one' });
  if ('exit' in target) return target.exit;
  const { config } = target.shops[0]!;
  if (config.enrichment === undefined || config.redis === undefined) {
    io.err('REGISTER_PROFILE_FIELDS and REDIS_URL must be set: without Redis the queue lives inside one service process');
    return 1;
  }
  const redis = createRedisClient(config.redis.target, { logger: quiet });
  const runtime = createEnrichmentRuntime({ config, enrichment: config.enrichment, redis, logger: quiet, worker: false });
  try {
    await waitForRedis(redis, 5_000);
    if (command === 'stats') io.out(`dead-lettered: ${await runtime.queue.deadCount()}`);
    else io.out(`re-queued ${await runtime.queue.retryDead()} dead-lettered profile update(s)`);
    return 0;
  } finally {
    await runtime.close();
    await closeRedis(redis);
  }
}

// Run as a program (npm run enrichment), not when a test imports it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const io: CliIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  runEnrichmentCli(process.argv.slice(2), process.env, io).then(
    (code) => process.exit(code),
    (error: unknown) => {
      io.err(`failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`);
      process.exit(1);
    },
  );
}
