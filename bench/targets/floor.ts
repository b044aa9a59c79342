// The one-round-trip floor of a session route (issue 20): Fastify with @fastify/cookie and one
// auto-pipelined ioredis GET of a 1 KB value named by the cookie; no logging, metrics, CSRF or decryption.
// Every Redis-backed session design pays at least this per request, so the service is measured against it.
import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { announce, exitOnSignal, targetOptions } from './child.js';

export interface FloorOptions {
  redisUrl: string;
  keyPrefix: string;
  /** The cookie values the bench sends (`sid=<token>`); each gets a 1 KB value. */
  tokens: string[];
}

const FLOOR_VALUE_BYTES = 1024;

const { redisUrl, keyPrefix, tokens } = targetOptions<FloorOptions>();
const redis = new Redis(redisUrl, { enableAutoPipelining: true });
const value = Buffer.alloc(FLOOR_VALUE_BYTES, 'x');
await Promise.all(tokens.map((token) => redis.set(`${keyPrefix}${token}`, value, 'PX', 3_600_000)));

const app = Fastify();
await app.register(cookie);
app.get('/floor', async (request, reply) => {
  const sid = request.cookies.sid;
  const found = sid === undefined ? null : await redis.getBuffer(`${keyPrefix}${sid}`);
  if (found === null) return reply.code(401).send({ authenticated: false });
  return { authenticated: true, bytes: found.length };
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
exitOnSignal(async () => {
  await app.close();
  await redis.quit();
});
announce(url);
