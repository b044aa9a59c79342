// The "What tracing costs" section: the same routes and sessions through an instance with traces on
// (OTLP/HTTP to a local sink that discards them) beside the service with them off, as ratios within the
// run, and whether every request's span reached the sink (a dropped span would be a cost not paid).
import type { BenchReport } from '../bench.js';
import type { Summary } from './stats.js';
import { ROUTE_LABELS } from './scenarios.js';

const n = (value: number, digits = 0): string =>
  value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const table = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const SPAN_NAMES = { session: 'GET /auth/session', token: 'POST /auth/token' } as const;

export function tracingSection(r: Pick<BenchReport, 'summaries' | 'tracing'>): string {
  const find = (system: Summary['system'], route: Summary['route']) => r.summaries.find((s) => s.system === system && s.route === route);
  const rows = (['session', 'token'] as const).flatMap((route) => {
    const off = find('service', route);
    const on = find('traced', route);
    if (!off || !on) return [];
    const name = SPAN_NAMES[route];
    const requests = r.tracing?.requests[name];
    const spans = r.tracing?.spans[name];
    return [
      [
        ROUTE_LABELS[route],
        n(off.cpuUsPerReq, 1),
        n(on.cpuUsPerReq, 1),
        `**${(on.cpuUsPerReq / off.cpuUsPerReq).toFixed(2)}x**`,
        `${n(off.rps.median)} / ${n(on.rps.median)}`,
        `${(on.rps.median / off.rps.median).toFixed(2)}x`,
        `${n(off.p99)} / ${n(on.p99)}`,
        requests === undefined || spans === undefined ? '–' : `${n(spans)} / ${n(requests)}`,
      ],
    ];
  });
  if (rows.length === 0) return '';
  const t = r.tracing;
  return [
    '## What tracing costs',
    [
      'The same sessions through a third service instance with traces on as production turns them on',
      "(`OTEL_TRACES_EXPORTER=otlp`, OTLP/HTTP protobuf, the SDK's default batching) exporting to a local sink that accepts",
      'and discards every POST (`bench/targets/trace-sink.ts`, its own process: its CPU is not counted), same rounds.',
      "CPU is the traced process's own, exporter included. Spans: the request spans the sink received against the requests",
      'counted; a timed run ends with one request per connection in flight, answered (and traced) after autocannon stops counting.',
    ].join(' '),
    table(
      [
        'route',
        'CPU µs/req off',
        'on',
        'CPU on ÷ off',
        'req/s off / on',
        'req/s on ÷ off',
        'p99 ms off / on',
        'request spans at the sink / requests counted',
      ],
      rows,
    ),
    t === undefined ? '' : `The sink received ${n(t.exports)} OTLP exports, ${n(t.bytes / 1024)} KiB in all.`,
  ]
    .filter((part) => part !== '')
    .join('\n\n');
}
