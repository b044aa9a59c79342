// `npm run bench` (full, writes bench/RESULTS.md), `npm run bench -- --quick` (under a minute, writes
// bench/results/quick.md) and `npm run bench -- --profile [route…]` (CPU profiles of the service, one
// route each, to bench/results/profile.md). `--out=<file>` and `--log-level=<level>` override defaults;
// `--with-shedding` runs the rounds with load shedding by event-loop utilisation on (0.98); `--render`
// rewrites the markdown from the raw results of the last run (bench/results/full.json or quick.json).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { FULL, QUICK, runBench, type BenchReport } from './bench.js';
import { renderProfiles, runProfiles } from './lib/profile.js';
import { killAllTargets, ROOT } from './lib/proc.js';
import { cleanupPrefix } from './lib/redis-usage.js';
import { renderReport } from './lib/report.js';
import { checkTargets } from './lib/stats.js';
import type { Route } from './lib/scenarios.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined =>
  args
    .find((a) => a.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=');
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench:${randomUUID()}:`;
const logLevel = flag('log-level') ?? 'info';
const shedding = args.includes('--with-shedding');
const t0 = Date.now();
const log = (line: string): void => void process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);

// Ctrl-C: stop the targets, delete the keys written so far, exit. A second SIGINT (tsx relays the
// terminal's, which also reaches this process) must not kill the clean-up halfway.
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) return;
  interrupted = true;
  log('interrupted: deleting the keys of this run');
  // Targets first, so no request still in flight writes a key after the clean-up has passed it.
  killAllTargets();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  void cleanupPrefix(redis, prefix)
    .finally(() => redis.disconnect())
    .finally(() => process.exit(130));
});

function analysis(): string | undefined {
  const file = resolve(ROOT, 'bench/analysis.md');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  log(`wrote ${file}`);
}

if (profile) {
  const routes = args.filter((a) => !a.startsWith('--')) as Route[];
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const { dir, profiles } = await runProfiles({
    redisUrl,
    prefix,
    logLevel,
    encryptionKey: randomUUID() + randomUUID(),
    shedding,
    routes: routes.length > 0 ? routes : ['session', 'token', 'login', 'guest', 'refresh'],
    durationS: quick ? 2 : 5,
    connections: 50,
    log,
  }).finally(async () => {
    log(`cleaned up ${await cleanupPrefix(redis, prefix)} Redis keys`);
    await redis.quit();
  });
  log(`profiles in ${dir}`);
  write(resolve(ROOT, flag('out') ?? 'bench/results/profile.md'), renderProfiles(profiles));
} else if (args.includes('--render')) {
  // Re-renders a report from the raw results of an earlier run, e.g. after editing analysis.md.
  const mode = quick ? 'quick' : 'full';
  const raw = JSON.parse(readFileSync(resolve(ROOT, `bench/results/${mode}.json`), 'utf8')) as BenchReport;
  const report = { ...raw, startedAt: new Date(raw.startedAt), finishedAt: new Date(raw.finishedAt), checks: checkTargets(raw) };
  write(resolve(ROOT, flag('out') ?? (quick ? 'bench/results/quick.md' : 'bench/RESULTS.md')), renderReport(report, analysis()));
} else {
  const report = await runBench({
    ...(quick ? QUICK : FULL),
    scalingSizes: [...(quick ? QUICK : FULL).scalingSizes],
    redisUrl,
    prefix,
    logLevel,
    shedding,
    log,
  });
  write(resolve(ROOT, `bench/results/${quick ? 'quick' : 'full'}.json`), JSON.stringify(report, null, 1));
  write(resolve(ROOT, flag('out') ?? (quick ? 'bench/results/quick.md' : 'bench/RESULTS.md')), renderReport(report, analysis()));
  const missed = report.checks.filter((c) => !c.met);
  log(missed.length === 0 ? 'every target met' : `targets missed: ${missed.map((c) => c.name).join('; ')}`);
}
