// The "Hot path against bare Fastify and the floor" section (issue 20): GET /auth/session and cached POST
// /auth/token with the session cache on (the default) and off, beside bare Fastify and the one-round-trip
// floor of the same run, as ratios within the run; and the memory the service keeps per cached session.
import type { BenchReport } from '../bench.js';
import type { Summary } from './stats.js';
import { ROUTE_LABELS, SYSTEM_LABELS } from './scenarios.js';

const n = (value: number, digits = 0): string =>
  value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (value: number): string => (value < 10 ? value.toFixed(1) : n(value));
const table = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function hotPathSection(r: Pick<BenchReport, 'summaries' | 'cacheMemory'>): string {
  const find = (system: Summary['system'], route: Summary['route']) => r.summaries.find((s) => s.system === system && s.route === route);
  const bare = find('fastify', 'hello');
  const floor = find('fastify', 'floor');
  if (!bare || !floor) return '';
  const row = (s: Summary, what: string): string[] => [
    what,
    n(s.rps.median),
    `${(s.rps.median / bare.rps.median).toFixed(2)}x`,
    `${(s.rps.median / floor.rps.median).toFixed(2)}x`,
    ms(s.p99),
    n(s.cpuUsPerReq, 1),
    `${(s.cpuUsPerReq / bare.cpuUsPerReq).toFixed(2)}x`,
    `${s.cpuUsPerReq - floor.cpuUsPerReq >= 0 ? '+' : ''}${n(s.cpuUsPerReq - floor.cpuUsPerReq, 1)}`,
  ];
  const rows = [row(bare, 'bare Fastify, GET /hello'), row(floor, `floor, ${ROUTE_LABELS.floor}`)];
  for (const route of ['session', 'token'] as const) {
    for (const system of ['service', 'nocache'] as const) {
      const s = find(system, route);
      if (s) rows.push(row(s, `${ROUTE_LABELS[route]}, ${system === 'service' ? 'cache on (default)' : 'cache off (=0)'}`));
    }
  }
  const parts = [
    '## Hot path against bare Fastify and the floor',
    [
      'The floor is what every Redis-backed session design pays: Fastify, @fastify/cookie and one auto-pipelined ioredis GET of',
      `a 1 KB value named by the cookie (\`bench/targets/floor.ts\`), no logging, metrics, CSRF or decryption. "Cache off" is`,
      `${SYSTEM_LABELS.nocache}. p99 at the run's connection count; CPU is the process's utime+stime per answered request (/proc).`,
    ].join(' '),
    table(['case', 'req/s', '÷ bare', '÷ floor', 'p99 ms', 'CPU µs/req', 'CPU ÷ bare', 'CPU − floor, µs'], rows),
  ];
  const m = r.cacheMemory;
  if (m) {
    const kb = (bytes: number): string => n(bytes);
    parts.push(
      [
        `Memory per cached session: a fresh instance reads ${n(m.sessions)} distinct sessions once each (after a warm-up on one`,
        'session); the figure is the growth of heapUsed (and RSS), each read after a full GC, divided by the number read.',
        'With the cache off the process may still keep what other in-process caches hold.',
      ].join(' '),
      table(
        ['session cache', 'heap bytes per session', 'RSS bytes per session'],
        [
          ['on (default)', kb(m.cacheOn.heapBytes), kb(m.cacheOn.rssBytes)],
          ['off (SESSION_CACHE_MAX_ENTRIES=0)', kb(m.cacheOff.heapBytes), kb(m.cacheOff.rssBytes)],
          [
            '**what the cache keeps (on − off)**',
            `**${kb(m.cacheOn.heapBytes - m.cacheOff.heapBytes)}**`,
            kb(m.cacheOn.rssBytes - m.cacheOff.rssBytes),
          ],
        ],
      ),
    );
  }
  return parts.join('\n\n');
}
