// A Sentinel failover under load: a primary, a replica and three sentinels (all password-protected), one
// service instance, sessions written and replicated (WAIT 1) before the primary is SIGKILLed while
// requests keep coming. During the failover a request gets 503 SESSION_STORE_UNAVAILABLE (never a 500,
// never a cleared cookie); after it every session works again, within 10 s of the promotion, without help.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAt } from '../helpers/account.js';
import { eventually } from '../helpers/eventually.js';
import { parseSetCookie, type Browser, type Reply } from '../helpers/http.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startSentinelSet, type LocalSentinelSet } from './processes.js';
import { everySessionWorksAgain, replicatedGuestSessions, watchSentinelClient } from './sentinel-watch.js';

const NODE_PASSWORD = `node-pw-${randomBytes(8).toString('hex')}`;
const SENTINEL_PASSWORD = `sentinel-pw-${randomBytes(8).toString('hex')}`;
const SESSIONS = 20;
const WORKERS = 6;

let set: LocalSentinelSet;
let stack: Stack;
let describeClient: (killedAt: number) => string;
beforeAll(async () => {
  set = await startSentinelSet(NODE_PASSWORD, SENTINEL_PASSWORD);
  stack = await startStack({
    prefix: uniquePrefix('sentinel'),
    env: { TRUST_PROXY: 'true' },
    redisEnv: set.redisEnv,
  });
  describeClient = watchSentinelClient(stack, set);
});
afterAll(async () => {
  await stack?.close();
  await set?.stop();
});

interface Observed {
  at: number;
  path: string;
  reply: Reply;
}

/** Requests from `WORKERS` loops over every session until `stop()`; each reply is kept. */
function load(browsers: Browser[]): { observed: Observed[]; stop: () => Promise<void> } {
  const observed: Observed[] = [];
  let running = true;
  const worker = async (w: number): Promise<void> => {
    for (let i = w; running; i += WORKERS) {
      const browser = browsers[i % browsers.length]!;
      const path = i % 3 === 0 ? '/auth/token' : '/auth/session';
      const reply = path === '/auth/token' ? await browser.post(path) : await browser.get(path);
      observed.push({ at: Date.now(), path, reply });
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  return {
    observed,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

describe('Redis Sentinel failover', () => {
  it('answers 503 while the primary is gone and recovers every replicated session by itself', async () => {
    const cookieName = stack.config.session.cookieName;
    const browsers = await replicatedGuestSessions(stack.url, set, NODE_PASSWORD, SESSIONS);

    const traffic = load(browsers);
    let promotedAt = 0;
    let recoveredAt = 0;
    try {
      await eventually(() => traffic.observed.length >= 20, 'traffic before the kill');
      const killedAt = Date.now();
      set.primary.signal('SIGKILL');
      await eventually(async () => (await set.primaryPort()) === set.replica.port, 'the sentinels to promote the replica', 30_000, 50);
      promotedAt = Date.now();
      // Recovery without help: every session answers 200 again within 10 s of the promotion.
      await everySessionWorksAgain(browsers, () => describeClient(killedAt));
      recoveredAt = Date.now();
      process.stdout.write(
        `sentinel failover: promotion ${promotedAt - killedAt} ms after the kill, ` +
          `recovery ${recoveredAt - promotedAt} ms after the promotion\n`,
      );
    } finally {
      await traffic.stop();
    }

    const { observed } = traffic;
    const statuses = new Map<number, number>();
    for (const o of observed) statuses.set(o.reply.status, (statuses.get(o.reply.status) ?? 0) + 1);
    process.stdout.write(`sentinel failover: ${observed.length} requests under load, by status ${JSON.stringify([...statuses])}\n`);
    // Only 200 and 503, and the failover was seen.
    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    for (const o of observed.filter((x) => x.reply.status === 503)) {
      expect(o.reply.body.code, o.reply.text).toBe('SESSION_STORE_UNAVAILABLE');
      expect(o.reply.headers['retry-after']).toBeDefined();
    }
    // No response cleared (or replaced) the session cookie.
    const touched = observed.flatMap((o) => o.reply.setCookies.map(parseSetCookie)).filter((c) => c.name === cookieName);
    expect(touched.filter((c) => c.value === '' || c.attributes['max-age'] === '0')).toEqual([]);

    // Every session written before the kill works, reads and refreshes alike.
    for (const browser of browsers) {
      expect((await browser.get('/auth/session')).status).toBe(200);
      expect((await browser.post('/auth/token')).status).toBe(200);
    }
    expect((await browserAt(stack.url).get('/health/ready')).status).toBe(200);
    // The passwords reached no log line, not even the connection errors of the outage.
    const logs = stack.logs.join('');
    expect(logs).toContain('redis connection error');
    expect(logs).not.toContain(NODE_PASSWORD);
    expect(logs).not.toContain(SENTINEL_PASSWORD);
  });
});
