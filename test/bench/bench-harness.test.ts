// Keeps the benchmark harness from rotting, in seconds: every target process, every scenario, Redis bytes,
// utilisation shedding, the refresh storm and lookup scaling, each load run cut to a fixed number of
// requests. The numbers themselves depend on the machine; what must hold anywhere is that every request
// got the answer its scenario expects, that the report shows a figure for all of it, that every request
// to the traced instance left its span at the OTLP sink, that the storm cost exactly one upstream refresh
// per session, and that the run leaves no key behind.
import { describe, expect, it } from 'vitest';
import { QUICK, runBench } from '../../bench/bench.js';
import { renderReport } from '../../bench/lib/report.js';
import { ROUTE_LABELS, SYSTEM_LABELS } from '../../bench/lib/scenarios.js';
import type { Sample } from '../../bench/lib/load.js';
import { createTestRedis, redisUrl, scanPrefix, uniquePrefix } from '../helpers/redis.js';

const SCENARIOS = [
  'fastify/hello',
  'fastify/floor',
  ...['login', 'guest', 'refresh'].map((r) => `upstream/${r}`),
  ...['service', 'naive'].flatMap((s) => ['session', 'token', 'login', 'guest', 'refresh'].map((r) => `${s}/${r}`)),
  'nocache/session',
  'nocache/token',
  'logged/session',
  'logged/token',
  'traced/session',
  'traced/token',
];
const REQUESTS = 100;
const STORM = { sessions: 3, requestsPerSession: 20 };

/** All `REQUESTS` answered, with `allowed` statuses only; no connection errors or timeouts. */
function expectAnswered(sample: Sample, what: string, allowed = ['200']): void {
  expect(sample.responses, what).toBe(REQUESTS);
  expect(
    Object.keys(sample.statuses).filter((code) => !allowed.includes(code)),
    what,
  ).toEqual([]);
  if (allowed.length === 1) expect(sample.failures, what).toBe(0);
}

describe('bench harness', () => {
  it('runs every part of the benchmark and reports every figure', { timeout: 300_000 }, async () => {
    const prefix = uniquePrefix('bench');
    const report = await runBench({
      ...QUICK,
      connections: 10,
      requestsPerRun: REQUESTS,
      scalingSizes: [500, 1_000],
      storm: STORM,
      memorySessions: 200,
      redisUrl: redisUrl(),
      prefix,
      logLevel: 'info',
      shedding: false,
      log: () => undefined,
    });

    expect(Object.keys(report.samples).sort()).toEqual([...SCENARIOS].sort());
    for (const [id, samples] of Object.entries(report.samples)) {
      expect(samples, id).toHaveLength(1);
      expectAnswered(samples[0]!, id);
    }
    for (const s of report.summaries) {
      expect(s.cpuUsPerReq, s.id).toBeGreaterThan(0);
      expect(s.rssMb, s.id).toBeGreaterThan(0);
      expect(s.p99, s.id).toBeGreaterThanOrEqual(s.p50);
    }

    // A sealed session record is about a kilobyte; the naive baseline's JSON string the same order.
    expect(report.bytes.serviceRecord).toBeGreaterThan(300);
    expect(report.bytes.serviceRecord).toBeLessThan(4096);
    expect(report.bytes.naivePerSession).toBeGreaterThan(300);
    expect(report.bytes.servicePerSession).toBeGreaterThan(report.bytes.serviceRecord);

    // Every lookup of a seeded copy is a live session: seeding writes what the service can read.
    expect(report.scaling.map((row) => row.sessions)).toEqual([500, 1_000]);
    for (const row of report.scaling) for (const sample of row.samples) expectAnswered(sample, `scaling ${row.sessions}`);

    expectAnswered(report.shedding!, 'with utilisation shedding', ['200', '503']);

    // Issue 20: memory per cached session, measured with the cache on and off, and the targets against bare
    // Fastify and the one-GET floor, for both hot routes.
    const memory = report.cacheMemory!;
    expect(memory.sessions).toBe(200);
    for (const m of [memory.cacheOn, memory.cacheOff]) for (const v of [m.heapBytes, m.rssBytes]) expect(Number.isFinite(v)).toBe(true);
    expect(memory.cacheOn.heapBytes).toBeGreaterThan(0);
    for (const route of ['GET /auth/session', 'POST /auth/token (cached)']) {
      expect(report.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          `${route}, cache on: CPU per request vs bare Fastify`,
          `${route}, cache on: req/s vs the floor`,
          `${route}, cache off: CPU per request over the floor`,
        ]),
      );
    }

    // The traced instance really traced: every request it answered (each scenario's REQUESTS, expected
    // statuses checked above) left its request span at the sink, none dropped on the way.
    const traced = { 'GET /auth/session': REQUESTS, 'POST /auth/token': REQUESTS };
    expect(report.tracing).toMatchObject({ requests: traced, spans: traced });
    expect(report.tracing!.exports).toBeGreaterThan(0);

    expect(report.storm).toMatchObject({
      ...STORM,
      instances: 2,
      ok: STORM.sessions * STORM.requestsPerSession,
      failed: 0,
      refreshCalls: STORM.sessions,
      maxTokensPerSession: 1,
    });
    expect(report.checks.find((c) => c.name.startsWith('Refresh storm'))?.met).toBe(true);

    const markdown = renderReport(report, 'analysis goes here');
    for (const heading of [
      '## Machine',
      '## Targets',
      '## Scenarios',
      '## Ratios (this run)',
      '## Hot path against bare Fastify and the floor',
      'Memory per cached session',
      "## What the hot routes' access lines cost",
      '## What tracing costs',
      '## Redis per session',
      '## Session lookup vs sessions stored',
      '## Refresh storm',
      '## Load shedding by event-loop utilisation',
      '## What remains\n\nanalysis goes here',
    ]) {
      expect(markdown).toContain(heading);
    }
    // A row per scenario and per target, and no figure that failed to compute.
    for (const s of report.summaries) expect(markdown).toContain(`| ${SYSTEM_LABELS[s.system]} | ${ROUTE_LABELS[s.route]} | `);
    for (const check of report.checks)
      expect(markdown).toContain(`| ${check.name} | ${check.goal} | ${check.measured} | ${check.met ? '✅' : '❌'} |`);
    expect(markdown).not.toMatch(/NaN|Infinity|undefined/);

    const redis = createTestRedis();
    try {
      expect(await scanPrefix(redis, prefix)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
