// With SHOPS_FILE, PASSWORD_VALIDATION_CONCURRENCY and _QUEUE_MAX bound the process, not each shop: the
// shops with the validation route share one check limiter (requests of both shops fill one queue) and one
// phpass worker pool (counted as the process's worker threads), closed when the app closes. Each shop still
// checks against its own credentials.
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialId } from '../../src/migration/credential-store.js';
import { createRedisCredentialStore } from '../../src/migration/credential-store-redis.js';
import { loadDeployment, shopById } from '../../src/shops/load-shops.js';
import { createSessionCrypto } from '../../src/sessions/session-crypto.js';
import { validate, VALIDATION_ENV } from '../helpers/credentials.js';
import { createTestRedis } from '../helpers/redis.js';
import { startShopsStack, type ShopsStack } from '../helpers/shops-stack.js';

const A = 'a.shop.test';
const B = 'b.shop.test';
const C = 'c.shop.test';
/** Openwall's phpass test vector: 'test12345' at 2^11 rounds. */
const PHPASS = { password: 'test12345', hash: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' };

let stack: ShopsStack;
let closed = false;
beforeAll(async () => {
  stack = await startShopsStack(
    [
      { id: 'a', hosts: [A], variables: VALIDATION_ENV },
      { id: 'b', hosts: [B], variables: VALIDATION_ENV },
      // No validation route here: the shared pool is handed to it, but it builds nothing with it.
      { id: 'c', hosts: [C] },
    ],
    { PASSWORD_VALIDATION_CONCURRENCY: '1', PASSWORD_VALIDATION_QUEUE_MAX: '1' },
  );
});
afterAll(async () => {
  if (!closed) await stack?.close();
});

/** Puts legacy credentials into one shop's store, sealed as the import seals them. */
async function seed(shopId: string, rows: { email: string; hash: string; format: string }[]): Promise<void> {
  const { config } = shopById(loadDeployment(stack.env), shopId)!;
  const crypto = createSessionCrypto(config.session.encryptionKeys);
  const redis = createTestRedis();
  const store = createRedisCredentialStore({ redis, keyPrefix: config.redis!.keyPrefix });
  await store.putMany(
    rows.map(({ email, hash, format }) => ({
      id: credentialId(email),
      sealed: crypto.seal('credential', hash, credentialId(email)),
      format,
    })),
  );
  redis.disconnect();
}

/** Worker threads of this process (the phpass pool's, once used). */
const workerThreads = (): number => (process.report.getReport() as { workers: unknown[] }).workers.length;

describe('password validation with several shops', () => {
  it("runs every shop's phpass checks in one worker pool, each shop against its own credentials", async () => {
    await seed('a', [{ email: 'wp@example.com', hash: PHPASS.hash, format: 'phpass' }]);
    await seed('b', [{ email: 'wp@example.com', hash: PHPASS.hash, format: 'phpass' }]);
    const before = workerThreads();
    const check = (host: string, email: string) => validate(stack.url, { headers: { host }, body: { email, password: PHPASS.password } });

    expect((await check(A, 'wp@example.com')).body).toEqual({ valid: true });
    expect((await check(B, 'wp@example.com')).body).toEqual({ valid: true });
    // One pool: shop b's check went to the worker shop a's started (one pool per shop would start a second).
    expect(workerThreads() - before).toBe(1);
    // Shop c has no validation route.
    expect((await check(C, 'wp@example.com')).status).toBe(404);
    // Each shop's checks are counted under its own label.
    const scraped = await (await fetch(`${stack.url}/metrics`)).text();
    for (const shop of ['a', 'b']) {
      expect(scraped).toContain(`password_validations_total{outcome="valid",format="phpass",shop="${shop}"} 1`);
    }
  });

  it('admits PASSWORD_VALIDATION_CONCURRENCY checks and queues QUEUE_MAX for the process, counting both shops', async () => {
    // Cost 13: a check takes hundreds of ms, so the other requests arrive while the first runs.
    const slow = await bcrypt.hash('right', 13);
    await seed('a', [{ email: 'slow@example.com', hash: slow, format: 'bcrypt' }]);
    await seed('b', [{ email: 'slow@example.com', hash: slow, format: 'bcrypt' }]);
    // Two per shop: within one shop's share (1 running + 1 queued), beyond the process's.
    const answers = await Promise.all(
      [A, A, B, B].map((host) => validate(stack.url, { headers: { host }, body: { email: 'slow@example.com', password: 'wrong' } })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses).toContain(503);
    const busy = answers.find((answer) => answer.status === 503)!;
    expect(busy.body?.code).toBe('SERVICE_UNAVAILABLE');
    expect(busy.headers['retry-after']).toBe('1');
  });

  it('closes the shared pool with the app', async () => {
    expect(workerThreads()).toBeGreaterThan(0);
    closed = true;
    await stack.close();
    expect(workerThreads()).toBe(0);
  });
});
