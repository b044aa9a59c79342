// The whole benchmark as a function: start every target in its own process, run the scenarios in
// interleaved rounds, measure Redis bytes per session, the refresh storm and lookup scaling, and clean
// up every key the run wrote. run.ts is the CLI around it; the harness test calls it with a small config.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { Redis } from 'ioredis';
import { measureCacheMemory, type CacheMemory } from './lib/cache-memory.js';
import { runLoad, type Sample } from './lib/load.js';
import { visiblePid } from './lib/proc.js';
import { cleanupPrefix, measureSessionBytes, type SessionBytes } from './lib/redis-usage.js';
import { runScaling, type ScalingRow } from './lib/scaling.js';
import { runWithShedding } from './lib/shedding.js';
import { buildScenarios } from './lib/scenarios.js';
import { checkTargets, summarise, type Summary, type TargetCheck } from './lib/stats.js';
import { runStorm, type StormResult } from './lib/storm.js';
import { TRACED_SPAN_NAMES, startService, startWorld, type World } from './lib/world.js';

export interface BenchConfig {
  mode: 'full' | 'quick';
  rounds: number;
  durationS: number;
  /** Unmeasured run per scenario before the rounds (JIT, connection pools, JWKS cache). */
  warmupS: number;
  connections: number;
  /** Stop every load run after this many requests instead of after durationS (smoke runs). */
  requestsPerRun?: number;
  scalingSizes: number[];
  scalingRounds: number;
  storm: { sessions: number; requestsPerSession: number };
  /** Distinct sessions read by the memory-per-cached-session measurement (issue 20). */
  memorySessions: number;
  logLevel: string;
  /** Run the rounds with load shedding by event-loop utilisation on (0.98); normally off. */
  shedding: boolean;
  redisUrl: string;
  /** Every Redis key of the run starts with it; deleted by prefix at the end. */
  prefix: string;
  log: (line: string) => void;
}

export const FULL = {
  mode: 'full',
  rounds: 3,
  durationS: 5,
  warmupS: 1,
  connections: 50,
  scalingSizes: [1_000, 100_000, 1_000_000],
  scalingRounds: 2,
  storm: { sessions: 20, requestsPerSession: 50 },
  memorySessions: 5_000,
} as const;
export const QUICK = {
  mode: 'quick',
  rounds: 1,
  durationS: 1,
  warmupS: 0,
  connections: 50,
  scalingSizes: [1_000, 10_000],
  scalingRounds: 1,
  storm: { sessions: 5, requestsPerSession: 50 },
  memorySessions: 1_000,
} as const;

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
  loadBefore: number;
  loadAfter: number;
}

export interface BenchReport {
  config: Omit<BenchConfig, 'log'>;
  startedAt: Date;
  finishedAt: Date;
  machine: Machine;
  summaries: Summary[];
  samples: Record<string, Sample[]>;
  bytes: SessionBytes;
  /** Memory the service keeps per session read, cache on and off (absent in reports of older runs). */
  cacheMemory?: CacheMemory;
  scaling: ScalingRow[];
  storm: StormResult;
  /** GET /auth/session at saturation with utilisation shedding on; only when the rounds ran with it off. */
  shedding: Sample | undefined;
  /** What reached the trace sink from the traced instance (absent in reports of older runs). */
  tracing?: TracingResult;
  checks: TargetCheck[];
}

export interface TracingResult {
  /** Requests the traced instance answered, warm-up included, by span name of their route. */
  requests: Record<string, number>;
  /** Request spans that reached the sink, by span name. */
  spans: Record<string, number>;
  /** OTLP export POSTs and their bytes. */
  exports: number;
  bytes: number;
}

/** Stops the traced instance (its shutdown flushes the spans still queued), then asks the sink what arrived. */
async function collectTracing(world: World, answered: Record<string, number>): Promise<TracingResult> {
  await world.serviceTraced.stop();
  const reply = await fetch(`${world.traceSink.url}/stats`);
  const stats = (await reply.json()) as { exports: number; bytes: number; spansByName: Record<string, number> };
  const [session, token] = TRACED_SPAN_NAMES as [string, string];
  return {
    requests: { [session]: answered['traced/session'] ?? 0, [token]: answered['traced/token'] ?? 0 },
    spans: stats.spansByName,
    exports: stats.exports,
    bytes: stats.bytes,
  };
}

export async function runBench(config: BenchConfig): Promise<BenchReport> {
  const { log } = config;
  const startedAt = new Date();
  const loadBefore = loadavg()[0]!;
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const encryptionKey = randomBytes(32).toString('base64url');
  let world: World | undefined;
  try {
    const redisPid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
    const load = {
      durationS: config.durationS,
      requests: config.requestsPerRun,
      connections: config.connections,
      redisPid: visiblePid(redisPid) ? redisPid : undefined,
    };
    log(`starting targets (Redis prefix ${config.prefix})`);
    const worldOptions = {
      redisUrl: config.redisUrl,
      prefix: config.prefix,
      encryptionKey,
      logLevel: config.logLevel,
      shedding: config.shedding,
      sessions: config.connections,
    };
    world = await startWorld(worldOptions);
    const scenarios = buildScenarios(world);
    // Every request answered per scenario, warm-up included: the traced instance exports a span for each.
    const answered: Record<string, number> = Object.fromEntries(scenarios.map((s) => [s.id, 0]));
    if (config.warmupS > 0) {
      log('warming up');
      for (const s of scenarios) answered[s.id]! += (await runLoad(s.target, s.spec, { ...load, durationS: config.warmupS })).responses;
    }
    const samples: Record<string, Sample[]> = Object.fromEntries(scenarios.map((s) => [s.id, []]));
    for (let round = 0; round < config.rounds; round += 1) {
      // Interleaved, and each round starts one scenario later, so drift and noise hit every scenario alike.
      for (let i = 0; i < scenarios.length; i += 1) {
        const s = scenarios[(i + round) % scenarios.length]!;
        const sample = await runLoad(s.target, s.spec, load);
        samples[s.id]!.push(sample);
        answered[s.id]! += sample.responses;
        const failed = sample.failures ? `, ${sample.failures} failed ${JSON.stringify(sample.statuses)}` : '';
        log(
          `round ${round + 1}/${config.rounds} ${s.id}: ${Math.round(sample.rps)} req/s, p99 ${sample.p99} ms, ` +
            `${sample.cpuUsPerReq.toFixed(1)} µs CPU/req${failed}`,
        );
      }
    }
    const summaries = scenarios.map((s) => summarise(s.id, s.system, s.route, samples[s.id]!));
    const tracing = await collectTracing(world, answered);
    log(`tracing: ${tracing.exports} OTLP exports; request spans at the sink ${JSON.stringify(tracing.spans)}`);
    log(`tracing: requests answered ${JSON.stringify(tracing.requests)}`);
    const bytes = await measureSessionBytes(redis, world);
    log(`Redis per session: service ${Math.round(bytes.servicePerSession)} B, naive ${Math.round(bytes.naivePerSession)} B`);
    const w = world;
    const cacheMemory = await measureCacheMemory({
      redis,
      keyPrefix: w.prefixes.serviceA,
      encryptionKey,
      templateCookie: w.cookies.serviceA[0]!,
      sessions: config.memorySessions,
      start: (env) =>
        startService('service-memory', w.emulatorA, worldOptions, w.prefixes.serviceA, ['--expose-gc'], {
          BENCH_MEMORY_PROBE: '1',
          // Shedding is beside the point here, and a delay spike on a shared machine would fail the reads.
          MAX_EVENT_LOOP_DELAY_MS: '0',
          ...env,
        }),
    });
    log(`memory per session read: cache on ${JSON.stringify(cacheMemory.cacheOn)}, off ${JSON.stringify(cacheMemory.cacheOff)}`);

    let shedding: Sample | undefined;
    if (!config.shedding) {
      shedding = await runWithShedding({ ...worldOptions, ...load }, world.emulatorA, world.prefixes.serviceA, world.cookies.serviceA);
      log(`with utilisation shedding: ${JSON.stringify(shedding.statuses)}`);
    }

    log('refresh storm');
    const storm = await runStorm({ ...worldOptions, ...config.storm });
    log(`refresh storm: ${storm.refreshCalls} upstream refreshes for ${storm.sessions} sessions, ${storm.failed} failed`);

    log(`lookup scaling: ${config.scalingSizes.join(', ')} sessions`);
    const scaling = await runScaling({
      redis,
      service: world.serviceA,
      keyPrefix: world.prefixes.serviceA,
      encryptionKey,
      templateCookie: world.cookies.serviceA[0]!,
      sizes: config.scalingSizes,
      rounds: config.scalingRounds,
      ...load,
    });
    for (const row of scaling) {
      const rps = row.samples.map((s) => Math.round(s.rps)).join(', ');
      log(`  ${row.sessions} sessions: ${rps} req/s (seeded in ${row.seedSeconds.toFixed(1)} s)`);
    }

    const machine: Machine = {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      os: `${osType()} ${release()}`,
      loadBefore,
      loadAfter: loadavg()[0]!,
    };
    const { log: _log, ...recorded } = config;
    const checks = checkTargets({ summaries, bytes, scaling, storm });
    return {
      config: recorded,
      startedAt,
      finishedAt: new Date(),
      machine,
      summaries,
      samples,
      bytes,
      cacheMemory,
      scaling,
      storm,
      shedding,
      tracing,
      checks,
    };
  } finally {
    await world?.close();
    const deleted = await cleanupPrefix(redis, config.prefix);
    log(`cleaned up ${deleted} Redis keys`);
    await redis.quit();
  }
}
