// A Redis password rotation on a Cluster (README "Rotating secrets") with the session cache on: the
// service starts with REDIS_PASSWORD_FILE (password 1) for an ACL user on every node; the nodes accept
// passwords 1 and 2; the file gets password 2 and is reloaded; the nodes drop password 1 and kill first the
// cache's invalidation connections, then every connection of the user. The service serves sessions again,
// and so does its cache: its pairs per primary log in with the new password (pairs kept from before the
// reload would retry the old one forever, and the cache would stay off).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseHostPorts } from '../../src/redis/target.js';
import { browserAt } from '../helpers/account.js';
import { eventually } from '../helpers/eventually.js';
import { uniqueEmail } from '../helpers/http.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { cli } from './processes.js';

const nodes = inject('clusterNodes');
const ports = parseHostPorts(nodes.split(','))!.map((node) => node.port);
const USER = `bff-rotate-${randomBytes(4).toString('hex')}`;
const [PW1, PW2] = [`pw1-${randomBytes(8).toString('hex')}`, `pw2-${randomBytes(8).toString('hex')}`];
const dir = mkdtempSync(join(tmpdir(), 'bff-cluster-rotation-'));
const passwordFile = join(dir, 'redis-password');
let stack: Stack | undefined;

/** ACL users are per node in a Cluster: the same change on every node. */
async function onEveryNode(args: string[]): Promise<void> {
  for (const port of ports) await cli(port, args);
}

beforeAll(async () => {
  await onEveryNode(['ACL', 'SETUSER', USER, 'on', `>${PW1}`, '~*', '&*', '+@all']);
  writeFileSync(passwordFile, `${PW1}\n`);
  stack = await startStack({
    prefix: uniquePrefix('cluster-rotation'),
    env: { REDIS_USERNAME: USER, REDIS_PASSWORD_FILE: passwordFile, SECRET_FILES_WATCH: 'false', TRUST_PROXY: 'true' },
    redisEnv: { REDIS_CLUSTER_NODES: nodes },
  });
});
afterAll(async () => {
  await stack?.close();
  await onEveryNode(['ACL', 'DELUSER', USER]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a Redis password rotation on a Cluster with the session cache on', () => {
  it('brings the cache back on with the new password', { timeout: 60_000 }, async () => {
    const app = stack!.app;
    const cacheOn = (): boolean => app.sessionCache?.active === true;
    const hits = async (): Promise<number> => (await app.metrics.sessionCacheHits.get()).values[0]?.value ?? 0;
    await eventually(cacheOn, 'the session cache to be on');
    const browser = browserAt(stack!.url);
    const login = await browser.post('/auth/login/guest', { gender: 'n', first_name: 'R', last_name: 'C', email: uniqueEmail('rotation') });
    expect(login.status, login.text).toBe(200);

    const expectCacheServing = async (when: string): Promise<void> => {
      await eventually(cacheOn, `the session cache to be on again ${when}`, 15_000);
      const before = await hits();
      expect((await browser.get('/auth/session')).status).toBe(200);
      expect((await browser.get('/auth/session')).status).toBe(200);
      expect(await hits(), when).toBeGreaterThan(before);
    };

    // Rotation: the nodes take both, the file gets the new one, the service reloads, the nodes drop the old one.
    await onEveryNode(['ACL', 'SETUSER', USER, `>${PW2}`]);
    writeFileSync(passwordFile, `${PW2}\n`);
    expect(await app.secrets.reload('sighup')).toEqual({ ok: true, changed: ['REDIS_PASSWORD'] });
    await onEveryNode(['ACL', 'SETUSER', USER, `<${PW1}`]);
    // First only the cache's invalidation connections drop (the only subscribers): the pairs they belong to
    // must log in again with the new password, while the service's own connections stay up.
    await onEveryNode(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    await expectCacheServing('after its invalidation connections dropped');
    // Then every connection of the user: the service and its cache come back with the new password.
    await onEveryNode(['CLIENT', 'KILL', 'USER', USER]);
    await eventually(async () => (await browser.get('/auth/session')).status === 200, 'the service to reconnect with the new password');
    await expectCacheServing('after every connection dropped');
    // No password reached the log.
    const logs = stack!.logs.join('');
    expect(logs).not.toContain(PW1);
    expect(logs).not.toContain(PW2);
  });
});
