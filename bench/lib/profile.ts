// Profile mode (`npm run bench -- --profile`): each service route against a fresh service process run
// with `node --cpu-prof`, so every profile holds one route's work; the ranking goes to a markdown file.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginVia, registerDirect } from './actors.js';
import { inBatches } from './http.js';
import { runLoad, type Sample } from './load.js';
import { summariseProfile, type CpuProfile, type ProfileSummary } from './cpu-profile.js';
import { bffScenarios, ROUTE_LABELS, type Route } from './scenarios.js';
import { startEmulator, startService, type WorldOptions } from './world.js';

export interface ProfileOptions extends Omit<WorldOptions, 'sessions'> {
  routes: Route[];
  durationS: number;
  connections: number;
  log: (line: string) => void;
}

export interface RouteProfile {
  route: Route;
  sample: Sample;
  summary: ProfileSummary;
  file: string;
}

export async function runProfiles(o: ProfileOptions): Promise<{ dir: string; profiles: RouteProfile[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'scayle-bff-prof-'));
  const profiles: RouteProfile[] = [];
  for (const route of o.routes) {
    const refreshing = route === 'guest' || route === 'refresh';
    const emulator = await startEmulator(`profile-emulator-${route}`, refreshing ? { accessTokenTtlSeconds: 20, rotation: 'off' } : {});
    const outDir = join(dir, route);
    try {
      const service = await startService(
        `profile-service-${route}`,
        emulator,
        { ...o, sessions: o.connections },
        `${o.prefix}prof-${route}:`,
        ['--cpu-prof', `--cpu-prof-dir=${outDir}`],
      );
      let sample: Sample;
      try {
        const email = `profile-${route}@bench.example`;
        await registerDirect(emulator.url, email);
        const cookies = route === 'login' || route === 'guest' ? [] : await inBatches(o.connections, 4, () => loginVia(service.url, email));
        const scenario = bffScenarios('service', service, service, cookies, cookies, email).find((s) => s.route === route)!;
        await runLoad(service, scenario.spec, { durationS: 1, connections: o.connections });
        sample = await runLoad(service, scenario.spec, o);
        o.log(
          `profiled ${route}: ${Math.round(sample.rps)} req/s, ${sample.cpuUsPerReq.toFixed(1)} µs CPU/req (with the profiler on), ` +
            `statuses ${JSON.stringify(sample.statuses)}`,
        );
      } finally {
        // The profile is written when the process exits.
        await service.stop();
      }
      const file = join(
        outDir,
        readdirSync(outDir).find((f) => f.endsWith('.cpuprofile'))!,
      );
      profiles.push({
        route,
        sample,
        summary: summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, o.durationS * 1000),
        file,
      });
    } finally {
      await emulator.stop();
    }
  }
  return { dir, profiles };
}

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;

export function renderProfiles(profiles: RouteProfile[]): string {
  const parts = [
    '# CPU profiles of the service, one route each',
    [
      'Self time of the main thread over the measured run; shares are of its busy (non-idle) time.',
      'The profiler samples wall time, so on a busy machine a syscall during which the thread was preempted looks longer than',
      "the CPU it used: read µs/req as relative weights, and the bench's CPU µs/req (from /proc) as the cost.",
    ].join(' '),
  ];
  for (const p of profiles) {
    parts.push(`## ${ROUTE_LABELS[p.route]}`);
    // Main-thread self time per answered request; the service's total CPU/req also has libuv's pool and GC threads.
    const perReq = (selfMs: number): string => ((selfMs * 1000) / Math.max(1, p.sample.responses)).toFixed(1);
    const { busyMs, idleMs } = p.summary;
    parts.push(
      `${Math.round(p.sample.rps)} req/s, ${p.sample.cpuUsPerReq.toFixed(1)} µs CPU/req (all threads) with the profiler on; ` +
        `main thread over the measured ${Math.round(busyMs + idleMs)} ms: busy ${Math.round(busyMs)} ms (${perReq(busyMs)} µs/req), ` +
        `idle ${Math.round(idleMs)} ms. Profile: \`${p.file}\``,
    );
    const rows = (list: typeof p.summary.centres, limit: number): string[] =>
      list
        .slice(0, limit)
        .map((r) => `| ${r.name.replace(/\|/g, '\\|')} | ${Math.round(r.selfMs)} | ${perReq(r.selfMs)} | ${pct(r.share)} |`);
    parts.push(['| cost centre | self ms | µs/req | share |', '| --- | --- | --- | --- |', ...rows(p.summary.centres, 20)].join('\n'));
    parts.push(['| function | self ms | µs/req | share |', '| --- | --- | --- | --- |', ...rows(p.summary.functions, 25)].join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}
