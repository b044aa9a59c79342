// issue 20 part 3: the session read cache never outlives Redis's word. Two instances on one Redis: a session
// read (and cached) on B and then ended on A (logout, DELETE /auth/sessions/:id, password update) is a 401
// on B's very next request, over many repetitions with zero stale answers. Each repetition checks that B
// really answered from memory (its hit counter), so the test fails if the cache is off or never hit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { browserAt, PASSWORD } from '../helpers/account.js';
import { cachePairEnv, cachePairSteps, startCachePair } from '../helpers/cache-pair.js';
import type { Stack } from '../helpers/stack.js';

const ENV = cachePairEnv();
/** Repetitions run in this many lanes at once: enough to overlap requests, few enough for two shared cores. */
const LANES = 8;
let a: Stack;
let b: Stack;
const { register, loggedIn, readAndCacheOnB, repeat, staleAfterLogouts, staleAfterSessionDeletions } = cachePairSteps(
  () => ({ a, b }),
  'cache',
);

beforeAll(async () => {
  ({ a, b } = await startCachePair(ENV));
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

describe('a session ended on A is a 401 on B at once, though B cached it', () => {
  it('logout: 1000 repetitions, no stale answer', async () => {
    expect(await staleAfterLogouts(1000, LANES)).toBe(0);
  }, 120_000);

  it('DELETE /auth/sessions/:id from another session of the customer: 1000 repetitions, no stale answer', async () => {
    expect(await staleAfterSessionDeletions(1000, LANES)).toBe(0);
  }, 120_000);

  it('password update by hash: 200 repetitions, no stale answer', async () => {
    const passwords = new Map<string, string>();
    const stale = await repeat(200, LANES, register, async (email) => {
      const { onB } = await loggedIn(email, passwords.get(email) ?? PASSWORD);
      await readAndCacheOnB(onB);
      const sent = await browserAt(a.url).post('/auth/password/reset-email', { email });
      expect(sent.status, sent.text).toBe(202);
      const hash = new URL(sent.body._debug_reset_url as string).searchParams.get('reset_hash')!;
      const password = `new passphrase ${randomBytes(6).toString('hex')}`;
      passwords.set(email, password);
      expect((await browserAt(a.url).post('/auth/password/update', { hash, password })).status).toBe(204);
      return (await onB.get('/auth/session')).status;
    });
    expect(stale).toBe(0);
  }, 120_000);
});
