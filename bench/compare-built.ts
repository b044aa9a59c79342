// A/B of built services on the hot routes (issue 20): each `<name>=<dist dir>` argument runs as its own
// `node <dir>/server.js` on one emulator and one Redis, beside bare Fastify and the one-GET floor, in
// interleaved rounds; prints req/s, p99 and CPU per request (from /proc) per build and route, medians over
// rounds. `tsx bench/compare-built.ts before=/tmp/base/dist after=dist [--rounds=3] [--seconds=3]`, with
// BENCH_REDIS_URL; extra env for one build as `name=dir,VAR=value,VAR2=value`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loginVia, registerDirect, serviceEnv, STOREFRONT_HEADERS } from './lib/actors.js';
import { inBatches } from './lib/http.js';
import { runLoad, type RequestSpec, type Sample } from './lib/load.js';
import { startTarget, type Target } from './lib/proc.js';
import { cleanupPrefix } from './lib/redis-usage.js';
import { median } from './lib/stats.js';
import { startEmulator } from './lib/world.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rounds = option('rounds', 3);
const seconds = option('seconds', 3);
const builds = args
  .filter((a) => !a.startsWith('--'))
  .map((a) => {
    const [head, ...vars] = a.split(',');
    const [name, dir] = head!.split('=') as [string, string];
    return { name, dir: resolve(dir), env: Object.fromEntries(vars.map((v) => v.split('=') as [string, string])) };
  });
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench:${randomUUID()}:`;
const connections = 50;
const encryptionKey = randomUUID() + randomUUID();

const freePort = (): Promise<number> =>
  new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

async function startBuilt(dir: string, upstream: Target, env: Record<string, string>): Promise<Target & { child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [resolve(dir, 'server.js')], {
    env: {
      ...process.env,
      ...serviceEnv(upstream.url, redisUrl, `${prefix}svc:`, encryptionKey, 'info'),
      PORT: String(port),
      MAX_EVENT_LOOP_UTILIZATION: '0',
      // Off too: on a machine shared with other work a delay spike sheds logins and rounds (503s).
      MAX_EVENT_LOOP_DELAY_MS: '0',
      SESSIONS_PER_CUSTOMER_MAX: '10000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    try {
      if ((await fetch(`${url}/health/live`)).ok) break;
    } catch {
      if (i > 200) throw new Error(`${dir} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return { name: dir, url, pid: child.pid!, child, stop: async () => void (child.kill('SIGTERM'), await exited) };
}

const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const started: Target[] = [];
try {
  const emulator = await startEmulator('emulator');
  started.push(emulator);
  const bare = await startTarget('bare-fastify', 'bare-fastify.ts');
  started.push(bare);
  const floorTokens = Array.from({ length: connections }, () => randomUUID());
  const floor = await startTarget('floor', 'floor.ts', { options: { redisUrl, keyPrefix: `${prefix}floor:`, tokens: floorTokens } });
  started.push(floor);
  const email = 'compare@bench.example';
  await registerDirect(emulator.url, email);
  const services = [];
  for (const build of builds) {
    const target = await startBuilt(build.dir, emulator, build.env);
    started.push(target);
    const cookies = await inBatches(connections, 4, () => loginVia(target.url, email));
    services.push({ ...build, target, cookies });
  }
  const perConnection = (cookies: string[]) => cookies.map((cookie) => ({ headers: { cookie } }));
  const cases: Array<{ id: string; target: Target; spec: RequestSpec }> = [
    { id: 'bare Fastify GET /hello', target: bare, spec: { method: 'GET', path: '/hello' } },
    {
      id: 'floor GET /floor (cookie + 1 GET)',
      target: floor,
      spec: { method: 'GET', path: '/floor', perConnection: floorTokens.map((t) => ({ headers: { cookie: `sid=${t}` } })) },
    },
    ...services.flatMap(
      (s) =>
        [
          {
            id: `${s.name} GET /auth/session`,
            target: s.target,
            spec: { method: 'GET', path: '/auth/session', perConnection: perConnection(s.cookies) },
          },
          {
            id: `${s.name} POST /auth/token`,
            target: s.target,
            spec: { method: 'POST', path: '/auth/token', headers: STOREFRONT_HEADERS, perConnection: perConnection(s.cookies) },
          },
        ] as Array<{ id: string; target: Target; spec: RequestSpec }>,
    ),
  ];
  const load = { durationS: seconds, connections };
  for (const c of cases) await runLoad(c.target, c.spec, { ...load, durationS: 2 });
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.id, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < cases.length; i += 1) {
      const c = cases[(i + round) % cases.length]!;
      const sample = await runLoad(c.target, c.spec, load);
      if (sample.failures > 0) process.stderr.write(`${c.id}: ${JSON.stringify(sample.statuses)}\n`);
      samples.get(c.id)!.push(sample);
    }
  }
  const lines = [
    '| case | req/s | p99 ms | CPU µs/req | main thread | other threads | autocannon CPU µs/req | RSS MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [id, list] of samples) {
    const m = (f: (s: Sample) => number) => median(list.map(f));
    const thread = (s: Sample, name: string) => s.cpuUsPerReqByThread[name] ?? 0;
    // Node 20 names every other thread "node" (V8's GC and compiler helpers, libuv's pool alike).
    const others = (s: Sample) => s.cpuUsPerReq - thread(s, 'main');
    const cells = [
      Math.round(m((s) => s.rps)),
      m((s) => s.p99),
      m((s) => s.cpuUsPerReq).toFixed(1),
      m((s) => thread(s, 'main')).toFixed(1),
      m(others).toFixed(1),
      m((s) => s.loadGeneratorCpuUsPerReq).toFixed(1),
      Math.round(m((s) => s.rssMb)),
    ];
    lines.push(`| ${id} | ${cells.join(' | ')} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await Promise.all(started.map((t) => t.stop()));
  await cleanupPrefix(redis, prefix);
  await redis.quit();
}
