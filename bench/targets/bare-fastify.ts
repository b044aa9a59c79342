// The ceilings: a bare Fastify hello route with Fastify's defaults (no logger, no plugins), and the floor
// of any session route: the same Fastify plus one ioredis HMGET of a session-sized hash.
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { announce, exitOnSignal, targetOptions } from './child.js';

const { redisUrl, key } = targetOptions<{ redisUrl: string; key: string }>();
const redis = new Redis(redisUrl);
await redis.hset(key, 'v', '1', 'd', 'x'.repeat(1800));
await redis.pexpire(key, 3_600_000);

const app = Fastify();
app.get('/hello', async () => ({ hello: 'world' }));
app.get('/redis', async () => {
  const [v, d] = await redis.hmget(key, 'v', 'd');
  return { version: Number(v), bytes: d?.length ?? 0 };
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
exitOnSignal(async () => {
  await app.close();
  await redis.quit();
});
announce(url);
