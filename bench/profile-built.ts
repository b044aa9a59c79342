// Profiles the built service (`npm run build`, then `node --cpu-prof dist/server.js`, as production runs it)
// on the hot routes, one fresh process per route so each profile holds one route's work, and prints the
// top-self-time tables. `tsx bench/profile-built.ts [session|token …] [--seconds=5] [--dist=dir]` with
// BENCH_REDIS_URL (`--dist` profiles another build, e.g. of an older commit).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loginVia, registerDirect, serviceEnv } from './lib/actors.js';
import { summariseProfile, type CpuProfile } from './lib/cpu-profile.js';
import { inBatches } from './lib/http.js';
import { runLoad } from './lib/load.js';
import { ROOT } from './lib/proc.js';
import { renderProfiles, type RouteProfile } from './lib/profile.js';
import { cleanupPrefix } from './lib/redis-usage.js';
import { bffScenarios, type Route } from './lib/scenarios.js';
import { startEmulator } from './lib/world.js';

const args = process.argv.slice(2);
const routes = args.filter((a) => !a.startsWith('--')) as Route[];
const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.split('=')[1] ?? 5);
const dist = resolve(args.find((a) => a.startsWith('--dist='))?.split('=')[1] ?? resolve(ROOT, 'dist'));
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench:${randomUUID()}:`;
const connections = 50;

const freePort = (): Promise<number> =>
  new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

async function waitLive(url: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    try {
      if ((await fetch(`${url}/health/live`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the built service did not start');
}

async function profileRoute(route: Route, dir: string): Promise<RouteProfile> {
  const emulator = await startEmulator(`emulator-${route}`);
  const port = await freePort();
  const outDir = join(dir, route);
  const env = {
    ...process.env,
    ...serviceEnv(emulator.url, redisUrl, `${prefix}${route}:`, randomUUID() + randomUUID(), process.env.LOG_LEVEL ?? 'info'),
    PORT: String(port),
    MAX_EVENT_LOOP_UTILIZATION: '0',
    SESSIONS_PER_CUSTOMER_MAX: '10000',
  };
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${outDir}`, resolve(dist, 'server.js')], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitLive(url);
    const email = `profile-${route}@bench.example`;
    await registerDirect(emulator.url, email);
    const cookies = await inBatches(connections, 4, () => loginVia(url, email));
    const target = { name: 'built', url, pid: child.pid!, stop: async () => undefined };
    const scenario = bffScenarios('service', target, target, cookies, [], email).find((s) => s.route === route)!;
    await runLoad(target, scenario.spec, { durationS: 2, connections });
    const sample = await runLoad(target, scenario.spec, { durationS: seconds, connections });
    process.stderr.write(
      `${route}: ${Math.round(sample.rps)} req/s, ${sample.cpuUsPerReq.toFixed(1)} µs CPU/req, ${JSON.stringify(sample.statuses)}\n`,
    );
    child.kill('SIGTERM');
    await exited;
    const file = join(
      outDir,
      readdirSync(outDir).find((f) => f.endsWith('.cpuprofile'))!,
    );
    const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, seconds * 1000);
    return { route, sample, summary, file };
  } finally {
    child.kill('SIGKILL');
    await emulator.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'scayle-bff-built-prof-'));
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
try {
  const profiles: RouteProfile[] = [];
  for (const route of routes.length > 0 ? routes : (['session', 'token'] as Route[])) profiles.push(await profileRoute(route, dir));
  process.stdout.write(renderProfiles(profiles));
} finally {
  await cleanupPrefix(redis, prefix);
  await redis.quit();
}
