// The registration-enrichment queue (BullMQ) through Redis Sentinel: the in-service worker delivers the
// profile fields to the emulator's Admin API, and after the primary is SIGKILLed and the replica promoted,
// the queue and its worker (a blocking client of its own) follow the sentinels to the new primary by
// themselves: a registration after the failover is delivered too.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAt } from '../helpers/account.js';
import { eventually } from '../helpers/eventually.js';
import { uniqueEmail } from '../helpers/http.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startSentinelSet, type LocalSentinelSet } from './processes.js';

const NODE_PASSWORD = `node-pw-${randomBytes(8).toString('hex')}`;
const SENTINEL_PASSWORD = `sentinel-pw-${randomBytes(8).toString('hex')}`;

let set: LocalSentinelSet;
let stack: Stack;
beforeAll(async () => {
  set = await startSentinelSet(NODE_PASSWORD, SENTINEL_PASSWORD);
  stack = await startStack({
    prefix: uniquePrefix('sentinel-enrich'),
    env: { REGISTER_PROFILE_FIELDS: 'phone:string', ENRICHMENT_BACKOFF_MS: '20' },
    redisEnv: set.redisEnv,
  });
});
afterAll(async () => {
  await stack?.close();
  await set?.stop();
});

const register = (phone: string) =>
  browserAt(stack.url).post('/auth/register', {
    gender: 'f',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: uniqueEmail('sentinel-enrich'),
    password: 'correct horse battery',
    phone,
  });

async function delivered(phone: string): Promise<void> {
  const res = await register(phone);
  expect(res.status, res.text).toBe(201);
  const customerId = Number(res.body.customer.id);
  await eventually(
    () => stack.emulator.state.adminCustomerUpdates.some((u) => u.customerId === customerId && u.body.phone === phone),
    `the profile update of ${phone} to reach the Admin API`,
  );
}

describe('the enrichment queue through Redis Sentinel', () => {
  it('delivers profile updates before and after a failover', async () => {
    expect(stack.config.redis?.target.kind).toBe('sentinel');
    await delivered('+49 30 1111111');

    set.primary.signal('SIGKILL');
    await eventually(async () => (await set.primaryPort()) === set.replica.port, 'the sentinels to promote the replica', 30_000, 50);
    await eventually(async () => (await browserAt(stack.url).get('/health/ready')).status === 200, 'the service to be ready again');
    await delivered('+49 30 2222222');
    expect(stack.logs.join('')).not.toContain(NODE_PASSWORD);
  });
});
