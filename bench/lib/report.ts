// The benchmark report as markdown: targets first, then every scenario, the ratios, Redis, lookup scaling,
// the refresh storm, the method, and the hand-written analysis of what remains.
import type { BenchReport } from '../bench.js';
import { median, type Summary } from './stats.js';
import { ROUTE_LABELS, SYSTEM_LABELS, type Route, type System } from './scenarios.js';
import { hotPathSection } from './report-hotpath.js';
import { tracingSection } from './report-tracing.js';

const n = (value: number, digits = 0): string =>
  value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (value: number): string => (value < 10 ? value.toFixed(1) : n(value));
const table = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function scenarioRows(summaries: Summary[]): string[][] {
  return summaries.map((s) => [
    `${SYSTEM_LABELS[s.system]}`,
    ROUTE_LABELS[s.route],
    `${n(s.rps.median)} (${n(s.rps.min)}–${n(s.rps.max)})`,
    `${Math.round(((s.rps.max - s.rps.min) / Math.max(1, s.rps.median)) * 100)}%`,
    ms(s.p50),
    ms(s.p99),
    n(s.cpuUsPerReq, 1),
    s.redisCpuUsPerReq === undefined ? '–' : n(s.redisCpuUsPerReq, 1),
    n(s.rssMb),
    s.failures === 0
      ? '0'
      : `${s.failures} ${JSON.stringify(Object.fromEntries(Object.entries(s.statuses).filter(([c]) => !c.startsWith('2'))))}`,
  ]);
}

function ratioRows(summaries: Summary[]): string[][] {
  const get = (system: System, route: Route) => summaries.find((s) => s.system === system && s.route === route);
  const div = (a: number | undefined, b: number | undefined): string => (a !== undefined && b ? `${(a / b).toFixed(2)}x` : '–');
  const bare = get('fastify', 'hello')?.rps.median;
  const floor = get('fastify', 'floor')?.rps.median;
  return (['session', 'token', 'login', 'guest', 'refresh'] as const).map((route) => {
    const svc = get('service', route);
    const naive = get('naive', route);
    const upstream = get('upstream', route);
    return [
      ROUTE_LABELS[route],
      svc ? n(svc.rps.median) : '–',
      route === 'session' || route === 'token' ? div(svc?.rps.median, bare) : '–',
      route === 'session' || route === 'token' ? div(svc?.rps.median, floor) : '–',
      upstream ? div(svc?.rps.median, upstream.rps.median) : '–',
      upstream && svc ? div(svc.cpuUsPerReq, upstream.cpuUsPerReq) : '–',
      div(svc?.rps.median, naive?.rps.median),
      div(naive?.cpuUsPerReq, svc?.cpuUsPerReq),
    ];
  });
}

export function renderReport(r: BenchReport, analysis: string | undefined): string {
  const c = r.config;
  const m = r.machine;
  const minutes = (r.finishedAt.getTime() - r.startedAt.getTime()) / 60_000;
  const sections = [
    '# Benchmark results',
    `Written by \`npm run bench${c.mode === 'quick' ? ' -- --quick' : ''}\` on ${r.startedAt.toISOString()} ` +
      `(took ${minutes.toFixed(1)} min). Mode **${c.mode}**: ${c.rounds} interleaved round(s) × ${c.durationS} s per scenario, ` +
      `${c.connections} connections, autocannon in the parent process, every system under test in its own process; ` +
      `service log level \`${c.logLevel}\`, its stdout to /dev/null.`,
    '## Machine',
    `- CPU: ${m.cpu}, ${m.cores} cores; memory ${m.memoryGb} GB; ${m.os}; Node ${m.node}\n` +
      `- Load average (1 min): ${m.loadBefore.toFixed(2)} before, ${m.loadAfter.toFixed(2)} after. ` +
      'The machine is shared: the noise column shows (max − min) / median across rounds.',
    '## Targets',
    table(
      ['target', 'goal', 'measured', ''],
      r.checks.map((t) => [t.name, t.goal, t.measured, t.met ? '✅' : '❌']),
    ),
    '## Scenarios',
    [
      'req/s counts 2xx answers only; p50/p99 are medians over rounds; CPU is utime+stime of the process under test',
      '(all threads) per answered request, Redis CPU the same for redis-server (all clients: it includes a little',
      'background work); RSS is the maximum after a round.',
    ].join(' '),
    table(
      ['system', 'route', 'req/s median (min–max)', 'noise', 'p50 ms', 'p99 ms', 'CPU µs/req', 'Redis CPU µs/req', 'RSS MB', 'failed'],
      scenarioRows(r.summaries),
    ),
    '## Ratios (this run)',
    [
      'On two shared cores a proxied call needs the CPU of the upstream, the service and Redis at once, so "÷ emulator direct"',
      'also depends on how much CPU the service spends per call next to the upstream: the "service CPU ÷ upstream CPU" column.',
    ].join(' '),
    table(
      [
        'route',
        'service req/s',
        '÷ bare Fastify',
        '÷ floor (1 GET)',
        '÷ emulator direct',
        'service CPU ÷ upstream CPU',
        '÷ naive',
        'naive CPU ÷ service CPU',
      ],
      ratioRows(r.summaries),
    ),
    hotPathSection(r),
    loggingSection(r.summaries),
    tracingSection(r),
    '## Redis per session',
    [
      "MEMORY USAGE … SAMPLES 0 of the keys of live sessions. The bench's key prefixes are longer than the defaults; the last",
      'column takes the difference off (≈, allocator size classes aside). "Per session" counts a guest, whose customer index',
      "holds one session: the worst case; a registered customer's index is shared by all their sessions (next row).",
    ].join(' '),
    table(
      ['system', 'bytes measured', 'with default key prefix'],
      [
        ['service: session record (`…{s:<sid>}:rec`)', n(r.bytes.serviceRecord), n(r.bytes.serviceRecord - r.bytes.serviceKeyExtra / 2)],
        ['service: customer index, one session (guest)', n(r.bytes.serviceIndex), n(r.bytes.serviceIndex - r.bytes.serviceKeyExtra / 2)],
        [
          '**service: per session**',
          `**${n(r.bytes.servicePerSession)}**`,
          `**${n(r.bytes.servicePerSession - r.bytes.serviceKeyExtra)}**`,
        ],
        ...(r.bytes.serviceSharedIndex
          ? [
              [
                `service: index of a registered customer, per session (${n(r.bytes.serviceSharedIndex.members)} sessions)`,
                n(r.bytes.serviceSharedIndex.bytesPerMember),
                n(r.bytes.serviceSharedIndex.bytesPerMember),
              ],
            ]
          : []),
        ['naive: connect-redis `sess:` string', n(r.bytes.naivePerSession), n(r.bytes.naivePerSession - r.bytes.naiveKeyExtra)],
      ],
    ),
    '## Session lookup vs sessions stored',
    [
      'GET /auth/session on a working set of 1,000 sessions drawn uniformly from all stored (copies of a real session sealed',
      'under fresh ids), a random one per request. Redis CPU and its time by command (INFO commandstats) count every client',
      'of the shared server.',
    ].join(' '),
    table(
      [
        'sessions stored',
        'req/s median (min–max)',
        'p50 ms',
        'p99 ms',
        'CPU µs/req',
        'Redis CPU µs/req',
        'Redis time by command, µs/lookup',
        'Redis used_memory per seeded session',
        'seeding',
      ],
      r.scaling.map((row) => {
        const rps = row.samples.map((s) => s.rps);
        return [
          n(row.sessions),
          `${n(median(rps))} (${n(Math.min(...rps))}–${n(Math.max(...rps))})`,
          ms(median(row.samples.map((s) => s.p50))),
          ms(median(row.samples.map((s) => s.p99))),
          n(median(row.samples.map((s) => s.cpuUsPerReq)), 1),
          row.samples.every((s) => s.redisCpuUsPerReq !== undefined) ? n(median(row.samples.map((s) => s.redisCpuUsPerReq!)), 1) : '–',
          (row.redisCommands ?? []).map((c) => `${c.command} ${c.usecPerLookup.toFixed(1)}`).join(', ') || '–',
          `${n(row.usedMemoryPerSession)} B`,
          `${row.seedSeconds.toFixed(1)} s`,
        ];
      }),
    ),
    '## Refresh storm',
    `${r.storm.sessions} sessions with expiring access tokens; ${r.storm.requestsPerSession} concurrent POST /auth/token per ` +
      `session, alternating between ${r.storm.instances} service instances on one Redis; emulator with strict refresh-token rotation.`,
    table(
      ['requests', 'answered 200', 'upstream refresh calls', 'sessions', 'most distinct tokens for one session', 'wall time'],
      [
        [
          n(r.storm.sessions * r.storm.requestsPerSession),
          n(r.storm.ok),
          n(r.storm.refreshCalls),
          n(r.storm.sessions),
          n(r.storm.maxTokensPerSession),
          `${n(r.storm.durationMs)} ms`,
        ],
      ],
    ),
    sheddingSection(r),
    METHOD,
    analysis === undefined ? '' : `## What remains\n\n${analysis.trim()}`,
  ];
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`;
}

function loggingSection(summaries: Summary[]): string {
  const rows = (['session', 'token'] as const).flatMap((route) => {
    const quiet = summaries.find((s) => s.system === 'service' && s.route === route);
    const logged = summaries.find((s) => s.system === 'logged' && s.route === route);
    if (!quiet || !logged) return [];
    const cost = logged.cpuUsPerReq - quiet.cpuUsPerReq;
    return [
      [
        ROUTE_LABELS[route],
        n(quiet.cpuUsPerReq, 1),
        n(logged.cpuUsPerReq, 1),
        `${n(cost, 1)} (${Math.round((cost / logged.cpuUsPerReq) * 100)}%)`,
        n(quiet.rps.median),
        n(logged.rps.median),
      ],
    ];
  });
  if (rows.length === 0) return '';
  return [
    "## What the hot routes' access lines cost",
    'The same sessions through a second service instance with `ACCESS_LOG_HOT_ROUTES=all` (a "request completed" line ' +
      'for every answer, as before issue 20 made failures-only the default), same rounds, both at `LOG_LEVEL=info`.',
    table(
      ['route', 'CPU µs/req, failures only (default)', 'every answer', 'the lines µs/req', 'req/s, default', 'req/s, every answer'],
      rows,
    ),
  ].join('\n\n');
}

function sheddingSection(r: BenchReport): string {
  const s = r.shedding;
  if (!s) return '';
  const off = r.summaries.find((x) => x.system === 'service' && x.route === 'session');
  return [
    '## Load shedding by event-loop utilisation',
    'The rounds above run the service with shedding by utilisation off (`MAX_EVENT_LOOP_UTILIZATION=0`): ' +
      'a closed-loop benchmark saturates the event loop by design. ' +
      'The same GET /auth/session load against a service with it on at 0.98, one run:',
    table(
      ['shedding', '2xx req/s', 'answers by status', 'CPU µs per answer'],
      [
        [
          'off (rounds above, median)',
          off ? n(off.rps.median) : '–',
          off ? JSON.stringify(off.statuses) : '–',
          off ? n(off.cpuUsPerReq, 1) : '–',
        ],
        ['on, at 0.98', n(s.rps), JSON.stringify(s.statuses), n(s.cpuUsPerReq, 1)],
      ],
    ),
  ].join('\n\n');
}

// One bullet per line of the rendered markdown; each bullet is joined from shorter source lines.
const METHOD = [
  '## How it was measured',
  [
    '- Systems: bare Fastify (`bench/targets/bare-fastify.ts`), the SCAYLE emulator (`bench/targets/emulator.ts`), the service',
    'built by `loadConfig` + `buildApp` (`bench/targets/service.ts`), and a naive Express + express-session + connect-redis +',
    'axios BFF (`bench/targets/naive.ts`). Each runs in its own process, started with `node --import tsx`; the service and the',
    "naive BFF call an emulator in another process, so their CPU excludes the upstream's.",
  ],
  [
    '- Emulator A serves password logins and the sessions of the cached-token and session scenarios; emulator B (20 s access',
    'tokens, refresh-token rotation off so the direct scenario can replay one token per connection) serves guest logins and',
    'refreshes. The service and the naive BFF each run once in front of each.',
  ],
  [
    '- Every connection carries its own session (logged in through the system under test); refresh scenarios refresh on every',
    'request (20 s tokens are always inside the 30 s refresh window).',
  ],
  [
    "- The emulator hashes passwords with scrypt and signs tokens with RS256: that is the upstream's cost, the same for direct",
    'and proxied calls.',
  ],
  ['- Rate limits of the service are set out of reach (one client, one e-mail); the limiter still runs and counts in Redis.'],
]
  .map((line) => (typeof line === 'string' ? line : line.join(' ')))
  .join('\n');
