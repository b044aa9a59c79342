// issue 20 part 3: the session read cache through a Redis outage, over HTTP against a private redis-server.
// B holds cached sessions; Redis is killed: B answers 503 (never a 200 from memory) until Redis is back; the
// restarted Redis is empty, so the sessions B had cached are gone and B never serves them again. A stuck
// Redis (SIGSTOP: sockets open, nothing answers) turns the cache off within its heartbeat lease too.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAt } from '../helpers/account.js';
import { eventually } from '../helpers/eventually.js';
import { uniqueEmail, type Browser } from '../helpers/http.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

let redis: PrivateRedis;
let a: Stack;
let b: Stack;

beforeAll(async () => {
  redis = await startPrivateRedis();
  const env = { REDIS_URL: redis.url, TRUST_PROXY: 'true', SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url') };
  a = await startStack({ env });
  b = await startStack({ env, sharedEmulator: a.emulator, prefix: a.prefix });
});
afterAll(async () => {
  redis?.resume();
  await b?.close();
  await a?.close();
  await redis?.stop();
});

const tracking = (stack: Stack): boolean => stack.app.sessionCache?.active === true;

async function hitsOf(stack: Stack): Promise<number> {
  return (await stack.app.metrics.sessionCacheHits.get()).values[0]?.value ?? 0;
}

/** Sessions logged in on A (guests), each read twice on B so B answers them from memory. */
async function cachedOnB(count: number): Promise<Browser[]> {
  await eventually(() => tracking(a) && tracking(b), 'Redis tracking on both instances');
  const browsers: Browser[] = [];
  for (let i = 0; i < count; i += 1) {
    const onA = browserAt(a.url);
    const login = await onA.post('/auth/login/guest', { gender: 'n', first_name: 'O', last_name: 'U', email: uniqueEmail('outage') });
    expect(login.status, login.text).toBe(200);
    const onB = browserAt(b.url);
    for (const [name, value] of onA.cookies) onB.cookies.set(name, value);
    browsers.push(onB);
  }
  const hits = await hitsOf(b);
  for (const onB of browsers) for (let read = 0; read < 2; read += 1) expect((await onB.get('/auth/session')).status).toBe(200);
  expect(await hitsOf(b)).toBeGreaterThanOrEqual(hits + count);
  return browsers;
}

/** Whether nothing listens on `port` any more (the killed server has exited and its sockets are closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

/** Asks B for every session over and over until `until` resolves; returns every status B answered. */
async function pollWhile(browsers: Browser[], until: Promise<unknown>): Promise<number[]> {
  const statuses: number[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    const replies = await Promise.all(browsers.map((browser) => browser.get('/auth/session')));
    statuses.push(...replies.map((r) => r.status));
    await sleep(20);
  }
  return statuses;
}

describe('the session cache in a Redis outage', () => {
  it('answers 503 while Redis is dead and never serves a session the restarted Redis lost', async () => {
    const browsers = await cachedOnB(5);
    redis.kill();
    // From the moment Redis is gone, through the restart: 503 while it is away, then 401 (the new one is empty).
    await eventually(() => refused(redis.port), 'the killed Redis gone', 10_000, 5);
    const restarted = (async () => {
      await eventually(() => !tracking(b), 'B noticing the outage');
      const during = await Promise.all(browsers.map((browser) => browser.get('/auth/session')));
      expect(during.map((r) => r.status)).toEqual(browsers.map(() => 503));
      expect(during[0]!.body.code).toBe('SESSION_STORE_UNAVAILABLE');
      await redis.restart();
      await eventually(() => tracking(b), 'Redis tracking on B again', 20_000);
    })();
    const statuses = await pollWhile(browsers, restarted);
    await restarted;
    expect(statuses.filter((s) => s !== 503 && s !== 401)).toEqual([]);
    const after = await Promise.all(browsers.map((browser) => browser.get('/auth/session')));
    expect(after.map((r) => r.status)).toEqual(browsers.map(() => 401));
  }, 60_000);

  it('turns the cache off when Redis stops answering on open sockets, and answers 503', async () => {
    const browsers = await cachedOnB(3);
    redis.pause();
    try {
      // Within the heartbeat lease (1 s) B stops answering from memory; the reads then time out: 503.
      await eventually(() => !tracking(b), 'B noticing that Redis is stuck');
      const during = await Promise.all(browsers.map((browser) => browser.get('/auth/session')));
      expect(during.map((r) => r.status)).toEqual(browsers.map(() => 503));
    } finally {
      redis.resume();
    }
    await eventually(() => tracking(b), 'Redis tracking on B again', 20_000);
    const after = await Promise.all(browsers.map((browser) => browser.get('/auth/session')));
    expect(after.map((r) => r.status)).toEqual(browsers.map(() => 200));
  }, 60_000);
});
