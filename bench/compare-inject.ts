// A/B of built services in ONE process, without HTTP (issue 20): each `<name>=<dist dir>` is built with its
// own buildApp and driven by app.inject, 50 requests in flight, in alternating blocks; the figure is this
// process's CPU (process.cpuUsage) per request, median over blocks. The HTTP parse and write cost the same in
// every build, so they are left out, and alternating short blocks spreads a shared machine's noise evenly.
// `tsx bench/compare-inject.ts before=/tmp/base/dist after=dist [--blocks=30] [--requests=2000] >/dev/null`
// (the services log to stdout; the table goes to stderr). BENCH_REDIS_URL as for the bench.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { PASSWORD, registerDirect, serviceEnv, STOREFRONT_HEADERS } from './lib/actors.js';
import { cleanupPrefix } from './lib/redis-usage.js';
import { median } from './lib/stats.js';
import { startEmulator } from './lib/world.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const blocks = option('blocks', 30);
const perBlock = option('requests', 2000);
const inFlight = 50;
const builds = args.filter((a) => !a.startsWith('--')).map((a) => a.split('=') as [string, string]);
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench:${randomUUID()}:`;
const say = (line: string): boolean => process.stderr.write(`${line}\n`);

interface Case {
  id: string;
  run: (i: number) => Promise<{ statusCode: number; body: string }>;
}

async function block(c: Case): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (next < perBlock) {
      const res = await c.run(next++);
      if (res.statusCode !== 200) throw new Error(`${c.id}: ${res.statusCode} ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / perBlock;
}

const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const emulator = await startEmulator('emulator');
const apps: FastifyInstance[] = [];
try {
  const email = 'inject@bench.example';
  await registerDirect(emulator.url, email);
  const cases: Case[] = [];
  for (const [name, dir] of builds) {
    const at = (file: string) => pathToFileURL(resolve(dir, file)).href;
    const { loadConfig } = (await import(at('config.js'))) as { loadConfig: (env: Record<string, string>) => unknown };
    const { buildApp } = (await import(at('app.js'))) as { buildApp: (config: unknown) => Promise<FastifyInstance> };
    const env = serviceEnv(emulator.url, redisUrl, `${prefix}${name}:`, randomUUID() + randomUUID(), 'info');
    const app = await buildApp(loadConfig({ ...env, MAX_EVENT_LOOP_UTILIZATION: '0', MAX_EVENT_LOOP_DELAY_MS: '0' }));
    apps.push(app);
    const cookies: string[] = [];
    for (let i = 0; i < inFlight; i += 1) {
      const res = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: STOREFRONT_HEADERS,
        payload: { email, password: PASSWORD },
      });
      const cookie = res.cookies[0];
      if (res.statusCode !== 200 || !cookie) throw new Error(`login through ${name}: ${res.statusCode}`);
      cookies.push(`${cookie.name}=${cookie.value}`);
    }
    cases.push(
      {
        id: `${name} GET /auth/session`,
        run: (i) => app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: cookies[i % inFlight]! } }),
      },
      {
        id: `${name} POST /auth/token`,
        run: (i) => app.inject({ method: 'POST', url: '/auth/token', headers: { ...STOREFRONT_HEADERS, cookie: cookies[i % inFlight]! } }),
      },
    );
  }
  for (const c of cases) await block(c);
  const samples = new Map<string, number[]>(cases.map((c) => [c.id, []]));
  for (let b = 0; b < blocks; b += 1) for (const c of cases) samples.get(c.id)!.push(await block(c));
  say('| case | CPU µs/req, median | min–max |');
  say('| --- | --- | --- |');
  for (const [id, list] of samples)
    say(`| ${id} | ${median(list).toFixed(1)} | ${Math.min(...list).toFixed(1)}–${Math.max(...list).toFixed(1)} |`);
} finally {
  for (const app of apps) await app.close();
  await emulator.stop();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
}
