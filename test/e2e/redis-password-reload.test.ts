// issue 18 part 4: a reloaded Redis password reaches the running service's connection at its next
// reconnect. A private redis-server with an ACL user: the service starts with REDIS_URL_FILE (password 1);
// Redis accepts passwords 1 and 2; the file gets password 2 and is reloaded; Redis drops password 1 and
// kills the service's connections; the service reconnects with password 2 and serves sessions again, the
// session cache's own connections included.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/redis/connection.js';
import { applyRedisPasswords } from '../../src/redis/reauth.js';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { createTestRedis, startPrivateRedis, type PrivateRedis } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'bff-redis-password-'));
const urlFile = join(dir, 'redis-url');
const [PW1, PW2] = [`pw1-${randomBytes(8).toString('hex')}`, `pw2-${randomBytes(8).toString('hex')}`];
let redis: PrivateRedis;
let admin: ReturnType<typeof createTestRedis>;
let stack: Stack | undefined;
const userUrl = (password: string) => `redis://bff:${password}@127.0.0.1:${redis.port}`;

beforeAll(async () => {
  redis = await startPrivateRedis();
  admin = createTestRedis(redis.url);
  await admin.call('ACL', 'SETUSER', 'bff', 'on', `>${PW1}`, '~*', '&*', '+@all');
});
afterAll(async () => {
  await stack?.close();
  admin?.disconnect();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a reloaded Redis password', () => {
  it('is used at the next reconnect of the open connection', { timeout: 60_000 }, async () => {
    writeFileSync(urlFile, `${userUrl(PW1)}\n`);
    stack = await startStack({ redisEnv: { REDIS_URL_FILE: urlFile }, env: { SECRET_FILES_WATCH: 'false' } });
    const browser = new Browser(stack.url);
    const login = await browser.post('/auth/login/guest', { gender: 'n', first_name: 'R', last_name: 'P', email: uniqueEmail('redis-pw') });
    expect(login.status).toBe(200);

    // Rotation: Redis takes both, the file gets the new one, the service reloads, Redis drops the old one.
    await admin.call('ACL', 'SETUSER', 'bff', `>${PW2}`);
    writeFileSync(urlFile, `${userUrl(PW2)}\n`);
    expect(await stack.app.secrets.reload('sighup')).toEqual({ ok: true, changed: ['REDIS_URL'] });
    await admin.call('ACL', 'SETUSER', 'bff', `<${PW1}`);
    expect((await browser.get('/auth/session')).status).toBe(200); // the open connection is kept

    await admin.call('CLIENT', 'KILL', 'USER', 'bff');
    await eventually(async () => (await browser.get('/auth/session')).status === 200, 'the service to reconnect with the new password');
    // The session cache's own pair (tracked reader, invalidation subscriber) got the new password too: it
    // reconnects, the cache is on again and serves the session from memory.
    const cache = stack.app.sessionCache!;
    await eventually(() => cache.active, 'the session cache to be on again', 10_000);
    const hits = async () => Number(/^session_cache_hits_total\{[^}]*\} (\d+)$/m.exec((await browser.get('/metrics')).text)?.[1] ?? 0);
    const before = await hits();
    expect((await browser.get('/auth/session')).status).toBe(200);
    expect((await browser.get('/auth/session')).status).toBe(200);
    expect(await hits()).toBeGreaterThan(before);
  });

  it('does not reach a client it was not applied to (the control: such a client cannot reconnect)', { timeout: 30_000 }, async () => {
    const stale = createRedisClient(userUrl(PW2));
    const fresh = createRedisClient(userUrl(PW2));
    try {
      await eventually(() => stale.status === 'ready' && fresh.status === 'ready', 'both clients to connect');
      await admin.call('ACL', 'SETUSER', 'bff', `>${PW1}`, `<${PW2}`);
      applyRedisPasswords(fresh, { REDIS_URL: userUrl(PW1) });
      await admin.call('CLIENT', 'KILL', 'USER', 'bff');
      const refused: string[] = [];
      stale.on('error', (err: Error) => refused.push(err.message));
      await eventually(async () => (await fresh.ping().catch(() => 'down')) === 'PONG', 'the updated client to reconnect');
      await eventually(() => refused.some((m) => m.startsWith('WRONGPASS')), 'the stale client to be refused');
      expect(stale.status).not.toBe('ready');
    } finally {
      stale.disconnect();
      fresh.disconnect();
    }
  });
});
