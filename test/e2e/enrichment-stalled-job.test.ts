// No job lost (issue 17 §4): a worker that dies with a job in hand stops renewing its lock; BullMQ's stalled
// check hands the job to another worker, which delivers it. Real Redis; short lock settings (test-only
// options of createBullmqQueue) instead of BullMQ's 30 s defaults.
import { afterAll, expect, it } from 'vitest';
import { createBullmqQueue } from '../../src/enrichment/bullmq-queue.js';
import type { EnrichmentJobData } from '../../src/enrichment/job-payload.js';
import type { EnrichmentQueue } from '../../src/enrichment/queue.js';
import { createRedisClient, type RedisClient } from '../../src/redis/connection.js';
import { eventually } from '../helpers/eventually.js';
import { cleanupPrefix, createTestRedis, redisUrl, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix('enrichment-stalled');
const opened: RedisClient[] = [];
const queues: EnrichmentQueue[] = [];
const policy = { attempts: 3, backoffMs: 10 };

function queue(): EnrichmentQueue {
  const connection = createTestRedis();
  opened.push(connection);
  const q = createBullmqQueue({
    connection,
    workerConnection: () => createRedisClient(redisUrl(), { forQueueWorker: true }),
    keyPrefix: prefix,
    policy,
    workerOptions: { lockDuration: 300, stalledInterval: 100 },
  });
  queues.push(q);
  return q;
}

afterAll(async () => {
  for (const q of queues) await q.close();
  for (const c of opened) c.disconnect();
  const redis = createTestRedis();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

it('runs again on another worker when the worker holding it dies', async () => {
  const job: EnrichmentJobData = { customerId: '9', sealed: 'x', requestId: 'r' };
  const first = queue();
  let firstStarted = false;
  const dying = first.startWorker(async () => {
    firstStarted = true;
    await new Promise<void>(() => undefined); // never finishes: the process is killed mid-job
  }, {});
  await first.enqueue(job);
  await eventually(() => firstStarted, 'the first worker to take the job');
  // Killed (the grace period ran out): the job stays active, its lock is no longer renewed.
  await dying.abandon!();

  const second = queue();
  const delivered: EnrichmentJobData[] = [];
  second.startWorker(async (data) => {
    delivered.push(data);
  }, {});
  await eventually(() => delivered.length === 1, 'the stalled job to run on the second worker', 30_000);
  expect(delivered[0]).toEqual(job);
});
