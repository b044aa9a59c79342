// What the session read cache costs and saves in process (issue 20): CPU per session load for a hit, for a
// miss (every load a session not read before) and with the cache off, through the app's own session service
// against the Redis at BENCH_REDIS_URL. Usage: npx tsx bench/cache-costs.ts [sessions=5000]. No HTTP: the
// figures isolate the read path; `npm run bench` has the over-HTTP view.
import { buildApp } from '../src/app.js';
import { loadConfig, withEmbeddedEmulator } from '../src/config.js';

const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const count = Number(process.argv[2] ?? 5000);
const CONCURRENCY = 50;

async function measure(cacheEntries: string) {
  const prefix = `bench-cache-${process.pid}-${cacheEntries}:`;
  const env = {
    DEV_MODE: 'true',
    LOG_LEVEL: 'warn',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    SESSION_CACHE_MAX_ENTRIES: cacheEntries,
  };
  const app = await buildApp(withEmbeddedEmulator(loadConfig(env), 'http://127.0.0.1:9'), {});
  while (cacheEntries !== '0' && !app.sessionCache?.active) await new Promise((resolve) => setTimeout(resolve, 50));
  const sids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { session } = await app.sessions.create({
      customerId: String(i),
      guest: true,
      accessToken: 'a'.repeat(800),
      jti: `j${i}`,
      accessExpiresAt: Date.now() + 3_600_000,
      refreshToken: 'r'.repeat(200),
      clientMode: 'cookie',
      clientKey: undefined,
      userAgent: 'bench',
    });
    sids.push(session.sid);
  }
  const cpuPerLoad = async (): Promise<number> => {
    const start = process.cpuUsage();
    for (let i = 0; i < sids.length; i += CONCURRENCY)
      await Promise.all(sids.slice(i, i + CONCURRENCY).map((sid) => app.sessions.load(sid)));
    const used = process.cpuUsage(start);
    return (used.user + used.system) / sids.length;
  };
  const first = await cpuPerLoad(); // every load a miss (cache on) or a Redis read (off)
  const again = await cpuPerLoad(); // every load a hit (cache on) or a Redis read (off)
  for (const sid of sids) await app.sessions.destroy(sid);
  await app.close();
  return { first, again };
}

// Each configuration twice, the first pair only to warm the JIT up: the second pair is reported.
await measure('0');
await measure(String(count * 2));
const off = await measure('0');
const on = await measure(String(count * 2));
const us = (value: number) => `${value.toFixed(1)} µs`;
console.log(`| read | cache off | cache on |\n| --- | --- | --- |`);
console.log(`| first read of a session (on: a miss) | ${us(off.first)} | ${us(on.first)} |`);
console.log(`| second read (on: a hit) | ${us(off.again)} | ${us(on.again)} |`);
console.log(`\nA miss costs ${us(on.first - off.first)} more than a read without the cache; a hit saves ${us(off.again - on.again)}.`);
process.exit(0);
