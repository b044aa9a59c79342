// Keeps the benchmark harness from rotting: a reduced quick run (every target process, every scenario,
// Redis bytes, the refresh storm, lookup scaling) must produce numbers for all of it, and leave no keys.
import { describe, expect, it } from 'vitest';
import { QUICK, runBench } from '../../bench/bench.js';
import { renderReport } from '../../bench/lib/report.js';
import { createTestRedis, redisUrl, uniquePrefix } from '../helpers/redis.js';

const SCENARIOS = [
  'fastify/hello',
  'fastify/redis',
  ...['login', 'guest', 'refresh'].map((r) => `upstream/${r}`),
  ...['service', 'naive'].flatMap((s) => ['session', 'token', 'login', 'guest', 'refresh'].map((r) => `${s}/${r}`)),
  'quiet/session',
  'quiet/token',
];

describe('bench harness', () => {
  it('measures every scenario, the refresh storm and lookup scaling in quick mode', { timeout: 120_000 }, async () => {
    const prefix = uniquePrefix('bench');
    const report = await runBench({
      ...QUICK,
      connections: 10,
      scalingSizes: [500, 1_000],
      storm: { sessions: 3, requestsPerSession: 20 },
      redisUrl: redisUrl(),
      prefix,
      logLevel: 'info',
      shedding: false,
      log: () => undefined,
    });

    expect(report.summaries.map((s) => s.id).sort()).toEqual([...SCENARIOS].sort());
    for (const s of report.summaries) {
      expect(s.rps.median, s.id).toBeGreaterThan(0);
      expect(s.cpuUsPerReq, s.id).toBeGreaterThan(0);
      expect(s.rssMb, s.id).toBeGreaterThan(0);
      expect(s.p99, s.id).toBeGreaterThanOrEqual(s.p50);
    }
    expect(report.bytes.serviceRecord).toBeGreaterThan(0);
    expect(report.bytes.naivePerSession).toBeGreaterThan(0);
    expect(report.scaling.map((row) => row.sessions)).toEqual([500, 1_000]);
    for (const row of report.scaling) expect(row.samples[0]!.rps).toBeGreaterThan(0);

    expect(report.shedding!.responses).toBeGreaterThan(0);
    expect(report.storm.refreshCalls).toBe(report.storm.sessions);
    expect(report.storm.failed).toBe(0);
    expect(report.storm.maxTokensPerSession).toBe(1);

    const markdown = renderReport(report, 'analysis goes here');
    for (const heading of [
      '## Machine',
      '## Targets',
      '## Scenarios',
      '## Ratios (this run)',
      '## What request logging costs',
      '## Redis per session',
      '## Session lookup vs sessions stored',
      '## Refresh storm',
      '## What remains',
    ]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toMatch(/✅|❌/);

    const redis = createTestRedis();
    const left: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
      cursor = next;
      left.push(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    expect(left).toEqual([]);
  });
});
