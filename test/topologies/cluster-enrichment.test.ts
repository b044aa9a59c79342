// The registration-enrichment queue (BullMQ) on a real 3-primary Redis Cluster with two instances: one
// only queues (ENRICHMENT_WORKER=false), the other's in-service worker delivers the profile fields to the
// emulator's Admin API, after a retry (delayed set) and into the dead-letter list when it keeps failing.
// BullMQ's scripts touch many keys of a queue at once: every key must carry the one `{enrichment}` hash tag
// (else CROSSSLOT), so they all sit in one slot, on one primary.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../src/redis/connection.js';
import { closeRedis, waitForRedis } from '../../src/redis/lifecycle.js';
import { parseHostPorts } from '../../src/redis/target.js';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { cli } from './processes.js';

const nodes = parseHostPorts(inject('clusterNodes').split(','))!;
const redisEnv = { REDIS_CLUSTER_NODES: inject('clusterNodes') };
// One key ring for both instances: the worker opens what the other sealed.
const ENV = {
  SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
  REGISTER_PROFILE_FIELDS: 'birth_date:date,phone:string',
  ENRICHMENT_ATTEMPTS: '2',
  ENRICHMENT_BACKOFF_MS: '20',
};
const prefix = uniquePrefix('cluster-enrich');
let front: Stack;
let worker: Stack;
let redis: RedisClient;

beforeAll(async () => {
  front = await startStack({ env: { ...ENV, ENRICHMENT_WORKER: 'false' }, redisEnv, prefix });
  worker = await startStack({ env: ENV, redisEnv, prefix, sharedEmulator: front.emulator });
  redis = createRedisClient({ kind: 'cluster', nodes });
  await waitForRedis(redis, 10_000);
});
afterAll(async () => {
  if (redis) await closeRedis(redis);
  await worker?.close();
  await front?.close();
});

const register = (extra: Record<string, string>) =>
  new Browser(front.url).post('/auth/register', {
    gender: 'f',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: uniqueEmail('cluster-enrich'),
    password: 'correct horse battery',
    ...extra,
  });

const updatesFor = (customerId: string) => front.emulator.state.adminCustomerUpdates.filter((u) => String(u.customerId) === customerId);

/** The queue's keys on one primary, by SCAN (never KEYS). */
async function queueKeysOn(port: number): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, ...keys] = (await cli(port, ['scan', cursor, 'match', `${prefix}{enrichment}*`, 'count', '1000'])).trim().split('\n');
    cursor = next!;
    found.push(...keys.filter(Boolean));
  } while (cursor !== '0');
  return found;
}

describe('the enrichment queue on a Redis Cluster', () => {
  it('queues on one instance and the other delivers to the Admin API, after an injected failure', async () => {
    expect(worker.config.redis?.target.kind).toBe('cluster');
    front.emulator.faults.add({ endpoint: 'admin.customer-update', status: 503, times: 1 });
    const calls = front.emulator.state.calls('admin.customer-update');
    const res = await register({ birth_date: '1990-02-28', phone: '+49 30 1234567' });
    expect(res.status, res.text).toBe(201);
    const customerId = String(res.body.customer.id);
    await eventually(() => updatesFor(customerId).length === 1, 'the profile update to reach the Admin API');
    expect(updatesFor(customerId)[0]!.body).toEqual({ birthDate: '1990-02-28', phone: '+49 30 1234567' });
    expect(front.emulator.state.calls('admin.customer-update') - calls).toBe(2);
  });

  it('dead-letters an update that keeps failing; every key of the queue sits in one slot', async () => {
    front.emulator.faults.add({ endpoint: 'admin.customer-update', status: 500, times: 2 });
    const calls = front.emulator.state.calls('admin.customer-update');
    const res = await register({ phone: '+49 40 7654321' });
    expect(res.status, res.text).toBe(201);
    const customerId = String(res.body.customer.id);
    await eventually(
      async () => worker.logs.some((l) => l.includes('profile update dead-lettered') && l.includes(customerId)),
      'the dead letter',
    );
    expect(updatesFor(customerId)).toEqual([]);
    // Dead after both tries reached the Admin API (the first try, then the retry from the delayed set).
    expect(front.emulator.state.calls('admin.customer-update') - calls).toBe(2);

    const perNode = await Promise.all(nodes.map((n) => queueKeysOn(n.port)));
    const keys = perNode.flat();
    // The job hash and the failed set of the dead letter at least, besides BullMQ's own bookkeeping.
    expect(
      keys.some((k) => k.endsWith(':failed')),
      keys.join(' '),
    ).toBe(true);
    expect(perNode.filter((k) => k.length > 0)).toHaveLength(1);
    const slots = new Set(await Promise.all(keys.map((k) => redis.cluster('KEYSLOT', k))));
    expect([...slots]).toEqual([await redis.cluster('KEYSLOT', '{enrichment}')]);
  });
});
