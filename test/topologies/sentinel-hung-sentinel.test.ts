// A Sentinel failover while one of the three sentinels hangs (SIGSTOP: it accepts connections but answers
// nothing). ioredis asks the sentinels in REDIS_SENTINELS order, so each reconnect after the primary's
// SIGKILL first waits about 2 s for the hung one (its command timeouts) before the next names the primary:
// the other two's +switch-master lands in that wait. ioredis 5's failover detector then aborts the
// reconnect and ends the client for good (src/redis/connection.ts undoes that): without the fix, every
// request stayed a 503 (6 runs of 6). The same race, with a far smaller window, failed
// sentinel-failover.test.ts once in CI.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startSentinelSet, type LocalSentinelSet } from './processes.js';
import { everySessionWorksAgain, replicatedGuestSessions, watchSentinelClient } from './sentinel-watch.js';

const NODE_PASSWORD = `node-pw-${randomBytes(8).toString('hex')}`;
const SENTINEL_PASSWORD = `sentinel-pw-${randomBytes(8).toString('hex')}`;
const SESSIONS = 5;

let set: LocalSentinelSet;
let stack: Stack;
let describeClient: (killedAt: number) => string;
beforeAll(async () => {
  set = await startSentinelSet(NODE_PASSWORD, SENTINEL_PASSWORD);
  stack = await startStack({ prefix: uniquePrefix('sentinel-hung'), redisEnv: set.redisEnv });
  describeClient = watchSentinelClient(stack, set);
});
afterAll(async () => {
  await stack?.close();
  // stop() lets a paused server go on (SIGCONT) before it ends it.
  await set?.stop();
});

describe('a Sentinel failover while the first sentinel hangs', () => {
  it('recovers every session by itself', async () => {
    const browsers = await replicatedGuestSessions(stack.url, set, NODE_PASSWORD, SESSIONS);

    set.sentinelProcesses[0]!.signal('SIGSTOP');
    const killedAt = Date.now();
    set.primary.signal('SIGKILL');
    // The other two sentinels still make a quorum (2) and a majority to elect the failover's leader.
    await eventually(async () => (await set.primaryPort(1)) === set.replica.port, 'the sentinels to promote the replica', 30_000, 50);
    await everySessionWorksAgain(browsers, () => describeClient(killedAt));
    for (const browser of browsers) expect((await browser.post('/auth/token')).status).toBe(200);
  });
});
