// `npm run check-upstream` (issue 19 part 4) against the emulator with its switches set both ways: the
// check must name the switch value that matches, exit 1 where the tenant contradicts the service, clean
// up every token family it opened, and print no secret, token, password or e-mail.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCheckUpstreamCli } from '../../src/cli/check-upstream.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { TEST_SECRETS } from '../helpers/stack.js';

const TEST_EMAIL = `check-owner-${randomBytes(4).toString('hex')}@example.com`;
const TEST_PASSWORD = 'a-test-account-password-42';
const DEFAULTS: Partial<EmulatorOptions> = {
  rotation: undefined,
  reuseRevokesFamily: undefined,
  revokeAccessOnRefresh: undefined,
  invalidGrantStatus: undefined,
  wrongPasswordStatus: undefined,
  unknownEmailStatus: undefined,
  emptySuccessStatus: undefined,
  accessTokenTtlSeconds: undefined,
  issuer: undefined,
};

let emulator: Emulator;
let env: Record<string, string>;
beforeAll(async () => {
  emulator = await startEmulator({ ...TEST_SECRETS, shopId: 7 });
  const registered = await fetch(`${emulator.url}/v1/auth/register`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${TEST_SECRETS.clientId}:${TEST_SECRETS.clientSecret}`).toString('base64')}`,
    },
    body: JSON.stringify({ first_name: 'Test', last_name: 'Owner', email: TEST_EMAIL, password: TEST_PASSWORD, gender: 'd', shop_id: 7 }),
  });
  expect(registered.status).toBe(201);
  ownFamily = [...emulator.state.families.keys()][0]!;
  // A shop's production environment.
  env = {
    SCAYLE_AUTH_BASE_URL: emulator.url,
    SCAYLE_CLIENT_ID: TEST_SECRETS.clientId,
    SCAYLE_CLIENT_SECRET: TEST_SECRETS.clientSecret,
    SCAYLE_SHOP_ID: '7',
    SCAYLE_SHOP_SECRET: TEST_SECRETS.shopSecret,
    SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
    CHECK_UPSTREAM_EMAIL: TEST_EMAIL,
  };
});
afterAll(async () => {
  await emulator?.close();
});
beforeEach(() => {
  emulator.setOptions(DEFAULTS);
  emulator.faults.clear();
});

async function check(environment = env): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCheckUpstreamCli(environment, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  const out = lines.join('\n');
  assertNothingSecret(out);
  return { code, out };
}

/** Every token the emulator ever issued, every secret and password, the test account's e-mail. */
function assertNothingSecret(out: string): void {
  const tokens = [...emulator.state.accessTokens.values()].map((r) => r.token);
  const refreshTokens = [...emulator.state.refreshTokens.keys()];
  expect(tokens.length).toBeGreaterThan(0);
  for (const secret of [...tokens, ...refreshTokens, TEST_SECRETS.clientSecret, TEST_SECRETS.shopSecret, env.SESSION_ENCRYPTION_KEYS!]) {
    expect(out).not.toContain(secret);
  }
  for (const personal of [TEST_EMAIL, TEST_PASSWORD, '@example.com']) expect(out).not.toContain(personal);
}

/** The emulator line under the finding named `point`. */
function switchOf(out: string, point: string): string {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.includes(`] ${point} (`));
  expect(at, `finding ${point}`).toBeGreaterThanOrEqual(0);
  return lines[at + 1]!.replace(/^\s*emulator: /, '');
}

/** Families the check opened (not the test account's, from its registration) are all revoked. */
let ownFamily: string;
const allFamiliesRevoked = (): boolean => [...emulator.state.families.values()].every((f) => f.revoked || f.id === ownFamily);

describe('npm run check-upstream', () => {
  it('names the default switches, finds no contradiction and revokes every family it opened', async () => {
    const { code, out } = await check();
    expect(out).not.toContain('[FAIL]');
    expect(code).toBe(0);
    expect(switchOf(out, 'refresh.rotation')).toBe("rotation: 'strict'");
    expect(switchOf(out, 'refresh.reuse-detection')).toBe('reuseRevokesFamily: false');
    expect(switchOf(out, 'refresh.old-access-token')).toBe('revokeAccessOnRefresh: false');
    expect(switchOf(out, 'refresh.bad-token')).toBe('invalidGrantStatus: 401');
    expect(switchOf(out, 'login.wrong-password')).toBe('wrongPasswordStatus: 401');
    expect(switchOf(out, 'login.unknown-email')).toBe('unknownEmailStatus: 401');
    expect(switchOf(out, 'revoke')).toBe('emptySuccessStatus: 204');
    expect(switchOf(out, 'access-token.lifetime')).toBe('accessTokenTtlSeconds: 300');
    expect(switchOf(out, 'access-token.issuer')).toBe(`issuer: "${emulator.url}"`);
    expect(out).toMatch(/\[ok {2}\] jwks .*1 key\(s\) \(RSA\/RS256\), 1 with a kid/);
    expect(out).toMatch(/\[ok {2}\] client-auth .*401 INVALID_CLIENT/);
    expect(allFamiliesRevoked()).toBe(true);
  });

  it('tells every switch flipped the other way apart', async () => {
    emulator.setOptions({
      rotation: 'grace',
      revokeAccessOnRefresh: true,
      invalidGrantStatus: 400,
      wrongPasswordStatus: 400,
      unknownEmailStatus: 404,
      emptySuccessStatus: 200,
      accessTokenTtlSeconds: 900,
      issuer: 'https://acme-live.auth.scayle.cloud',
    });
    const { code, out } = await check();
    expect(code).toBe(0);
    expect(switchOf(out, 'refresh.rotation')).toMatch(/^rotation: 'grace'/);
    expect(switchOf(out, 'refresh.old-access-token')).toBe('revokeAccessOnRefresh: true');
    expect(switchOf(out, 'refresh.bad-token')).toBe('invalidGrantStatus: 400');
    expect(switchOf(out, 'login.wrong-password')).toBe('wrongPasswordStatus: 400');
    expect(switchOf(out, 'login.unknown-email')).toBe('unknownEmailStatus: 404');
    expect(switchOf(out, 'revoke')).toBe('emptySuccessStatus: 200');
    expect(switchOf(out, 'access-token.lifetime')).toBe('accessTokenTtlSeconds: 900');
    expect(switchOf(out, 'access-token.issuer')).toBe('issuer: "https://acme-live.auth.scayle.cloud"');
    expect(out).not.toContain('refresh.reuse-detection');
    expect(allFamiliesRevoked()).toBe(true);
  });

  it('tells reuse detection and no rotation apart', async () => {
    emulator.setOptions({ reuseRevokesFamily: true });
    expect(switchOf((await check()).out, 'refresh.reuse-detection')).toBe('reuseRevokesFamily: true');
    emulator.setOptions({ reuseRevokesFamily: undefined, rotation: 'off' });
    expect(switchOf((await check()).out, 'refresh.rotation')).toBe("rotation: 'off'");
    expect(allFamiliesRevoked()).toBe(true);
  });

  it('exits 1 where the tenant contradicts the service, and reports an unchecked point without CHECK_UPSTREAM_EMAIL', async () => {
    // A tenant whose revocation validate does not see, and whose login failures are 403.
    emulator.faults.add({ endpoint: 'validate', status: 200, body: '{}' });
    emulator.faults.add({ endpoint: 'login', status: 403, body: '{"error":"forbidden"}' });
    const { code, out } = await check({ ...env, CHECK_UPSTREAM_EMAIL: '' });
    expect(code).toBe(1);
    expect(out).toMatch(/\[FAIL\] revoke\.access-token .*still validates/);
    expect(out).toMatch(/\[FAIL\] login\.unknown-email .*403 forbidden/);
    expect(out).toMatch(/\[info\] login\.wrong-password .*not checked: set CHECK_UPSTREAM_EMAIL/);
    expect(out).toMatch(/2 contradiction\(s\)/);
    expect(allFamiliesRevoked()).toBe(true);

    emulator.faults.clear();
    emulator.faults.add({ endpoint: 'jwks', status: 500 });
    const down = await check();
    expect([down.code, down.out]).toEqual([1, expect.stringMatching(/\[FAIL\] jwks .*answered 500/)]);
  });

  it('runs as npm run check-upstream; exit 2 without a tenant', async () => {
    const run = promisify(execFile);
    const { stdout } = await run('npm', ['run', '--silent', 'check-upstream'], { env: { ...process.env, ...env } });
    expect(stdout).toContain('No contradictions');
    assertNothingSecret(stdout);
    const missing = await check({ ...env, SCAYLE_AUTH_BASE_URL: '', DEV_MODE: 'true' });
    expect(missing.code).toBe(2);
  }, 60_000);
});
