// Rotating SESSION_ENCRYPTION_KEYS on two running instances (A and B: one Redis prefix, one emulator) with
// live cookie- and token-mode sessions, refreshed on both instances at once (20 s access tokens: every
// POST /auth/token refreshes). The rollout of README "Rotating secrets": add the new key last (decrypt-only)
// on A, then B; move it first on A, then B; drop the old key. Each instance reads its keys from
// SESSION_ENCRYPTION_KEYS_FILE; "reload" rewrites that file and re-reads it as SIGHUP does (issue 18 part 4),
// on the running instance, sessions and counters kept. No session sees a 401 while both keys are
// present; written records move to the new key (key-usage counts them, so do the per-key-id counters);
// records nobody wrote stay under the old key and read as missing once it is dropped.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { countKeyUsage } from '../../src/sessions/key-usage.js';
import { keyIdOf } from '../../src/sessions/session-crypto.js';
import { Browser, uniqueEmail, type Reply } from '../helpers/http.js';
import { cleanupPrefix, createTestRedis, uniquePrefix } from '../helpers/redis.js';
import { startStack, TEST_SECRETS, type Stack } from '../helpers/stack.js';

const prefix = uniquePrefix('rotation');
const OLD = randomBytes(32).toString('base64url');
const NEW = randomBytes(32).toString('base64url');
const APP_KEY = 'ios-app-7f3a';

let emulator: Emulator;
const instances: { a?: Stack; b?: Stack } = {};
const keyDir = mkdtempSync(join(tmpdir(), 'bff-key-rotation-'));
const keyFile = (name: 'a' | 'b') => join(keyDir, `${name}-session-keys`);

/**
 * Writes the instance's key file, then reloads the running instance (`app.secrets.reload`, what SIGHUP
 * calls), or starts it on the shared prefix when it is not running or a non-secret variable changes.
 */
async function reload(name: 'a' | 'b', keys: string[], extra: Record<string, string> = {}): Promise<Stack> {
  writeFileSync(keyFile(name), `${keys.join(',')}\n`);
  const running = instances[name];
  if (running && Object.keys(extra).length === 0) {
    expect(await running.app.secrets.reload('sighup')).toMatchObject({ ok: true });
    return running;
  }
  await running?.close();
  // SESSION_ENCRYPTION_KEYS '' unsets the stack's default: only the file gives keys.
  const env = {
    SESSION_ENCRYPTION_KEYS: '',
    SESSION_ENCRYPTION_KEYS_FILE: keyFile(name),
    SECRET_FILES_WATCH: 'false',
    CLIENT_KEYS: `${APP_KEY}=token,web-shop=cookie`,
    ...extra,
  };
  const stack = await startStack({ prefix, sharedEmulator: emulator, env });
  instances[name] = stack;
  return stack;
}

beforeAll(async () => {
  emulator = await startEmulator({ ...TEST_SECRETS, shopId: 7, accessTokenTtlSeconds: 20 });
});

afterAll(async () => {
  await instances.a?.close();
  await instances.b?.close();
  await emulator?.close();
  rmSync(keyDir, { recursive: true, force: true });
  const redis = createTestRedis();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

/** A live session, cookie or token mode, usable against whichever instance is running. */
class Session {
  private readonly cookies = new Map<string, string>();
  private token: string | undefined;
  private constructor(readonly mode: 'cookie' | 'token') {}

  static async start(stack: Stack, mode: 'cookie' | 'token'): Promise<Session> {
    const session = new Session(mode);
    const guest = { gender: 'f', first_name: 'Key', last_name: 'Rotation', email: uniqueEmail('rotation') };
    const res = await session.call(stack, 'POST', '/auth/login/guest', guest);
    expect(res.status).toBe(200);
    if (mode === 'token') session.token = res.body.session_token as string;
    return session;
  }

  async call(stack: Stack, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> {
    const browser = new Browser(stack.url);
    for (const [name, value] of this.cookies) browser.cookies.set(name, value);
    const headers: Record<string, string> =
      this.mode === 'cookie' ? {} : this.token === undefined ? { 'x-client-key': APP_KEY } : { authorization: `Token ${this.token}` };
    const res = await browser.call(method, path, { body, headers, csrf: this.mode === 'cookie' });
    this.cookies.clear();
    for (const [name, value] of browser.cookies) this.cookies.set(name, value);
    return res;
  }
}

/** Every session works on both instances: read, refresh on each, and refresh on both at once. */
async function expectAllWorking(sessions: Session[]): Promise<void> {
  const { a, b } = instances as Required<typeof instances>;
  for (const session of sessions) {
    const statuses = [
      (await session.call(a, 'GET', '/auth/session')).status,
      (await session.call(b, 'POST', '/auth/token')).status,
      (await session.call(a, 'POST', '/auth/token')).status,
      (await session.call(b, 'GET', '/auth/session')).status,
      // Mid-refresh on both instances: one refreshes, the other waits for it (side record read across the ring).
      ...(await Promise.all([session.call(a, 'POST', '/auth/token'), session.call(b, 'POST', '/auth/token')])).map((r) => r.status),
    ];
    expect({ mode: session.mode, statuses }).toEqual({ mode: session.mode, statuses: [200, 200, 200, 200, 200, 200] });
  }
}

/** Records per key id, as `npm run sessions -- key-usage` counts them (SCAN of the prefix). */
async function usage(keys: string[]): Promise<{ old: number; new: number; unknown: number }> {
  const redis = createTestRedis();
  try {
    const counted = await countKeyUsage(redis, prefix, keys);
    const of = (secret: string) => counted.keys.find((k) => k.id === keyIdOf(secret))?.records ?? 0;
    return { old: of(OLD), new: of(NEW), unknown: counted.unknown };
  } finally {
    redis.disconnect();
  }
}

async function metric(stack: Stack, name: string, secret: string): Promise<number> {
  const keyId = secret === 'unknown' ? secret : keyIdOf(secret);
  const text = (await new Browser(stack.url).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{key_id="${keyId}",shop="default"}`));
  return line === undefined ? Number.NaN : Number(line.split(' ').pop());
}

describe('rotating SESSION_ENCRYPTION_KEYS across two instances', () => {
  it('logs no one out while both keys are present, re-seals on write, and drops only unwritten records', async () => {
    await reload('a', [OLD]);
    await reload('b', [OLD]);
    const active = [
      await Session.start(instances.a!, 'cookie'),
      await Session.start(instances.b!, 'cookie'),
      await Session.start(instances.a!, 'token'),
      await Session.start(instances.b!, 'token'),
    ];
    const idle = [await Session.start(instances.a!, 'cookie'), await Session.start(instances.b!, 'token')];
    expect(await usage([OLD, NEW])).toEqual({ old: 6, new: 0, unknown: 0 });

    // Step 1: the new key last (decrypt-only), A then B. Nothing is sealed with it yet.
    await reload('a', [OLD, NEW]);
    await expectAllWorking(active);
    await reload('b', [OLD, NEW]);
    await expectAllWorking([...active, ...idle]);
    expect(await usage([OLD, NEW])).toEqual({ old: 6, new: 0, unknown: 0 });
    expect(await metric(instances.a!, 'session_records_sealed_total', NEW)).toBe(0);

    // Step 2: the new key first on A while B still seals with the old one: each reads what the other wrote.
    // The counters live on through a reload: from here on, neither instance seals under the old key.
    await reload('a', [NEW, OLD]);
    const sealedOldA = await metric(instances.a!, 'session_records_sealed_total', OLD);
    await expectAllWorking(active);
    await reload('b', [NEW, OLD]);
    const sealedOldB = await metric(instances.b!, 'session_records_sealed_total', OLD);
    await expectAllWorking(active);
    // Every written record is under the new key; the idle ones still name the old key.
    expect(await usage([NEW, OLD])).toEqual({ old: 2, new: 4, unknown: 0 });
    for (const [stack, sealedOld] of [
      [instances.a!, sealedOldA],
      [instances.b!, sealedOldB],
    ] as const) {
      expect(await metric(stack, 'session_records_sealed_total', NEW)).toBeGreaterThan(0);
      expect(await metric(stack, 'session_records_sealed_total', OLD)).toBe(sealedOld);
      expect(await metric(stack, 'session_records_opened_total', NEW)).toBeGreaterThan(0);
    }

    // Step 3: the old key dropped (ops should have waited for key-usage to show 0 for it; here 2 idle
    // sessions were left on purpose). Active sessions keep working; idle ones read as missing.
    const a = await reload('a', [NEW]);
    await expectAllWorking(active);
    // B also runs the opt-in key-usage scan: its gauge shows what the CLI shows.
    const b = await reload('b', [NEW], { SESSION_KEY_USAGE_SCAN_SECONDS: '60' });
    await b.app.keyUsageScan!.idle();
    expect(await metric(b, 'session_key_usage_records', NEW)).toBe(4);
    expect(await metric(b, 'session_key_usage_records', 'unknown')).toBe(2);
    expect(a.app.keyUsageScan).toBeUndefined(); // off by default
    await expectAllWorking(active);
    expect(await usage([NEW])).toEqual({ old: 0, new: 4, unknown: 2 });
    for (const [i, session] of idle.entries()) {
      const res = await session.call(i === 0 ? instances.a! : instances.b!, 'GET', '/auth/session');
      expect([res.status, res.body.code]).toEqual([401, 'SESSION_MISSING']);
    }
  });

  it('logs sessions out on the instance still on the old list when step 1 is skipped (why the rollout has two steps)', async () => {
    const [x, y] = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
    await reload('a', [x]);
    await reload('b', [x]);
    const session = await Session.start(instances.a!, 'cookie');
    await reload('a', [y, x]); // the new key first at once, B not told about it yet
    expect((await session.call(instances.a!, 'POST', '/auth/token')).status).toBe(200); // re-sealed under y
    const onB = await session.call(instances.b!, 'GET', '/auth/session');
    expect([onB.status, onB.body.code]).toEqual([401, 'SESSION_MISSING']);
  });
});
