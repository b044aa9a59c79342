// issue 18 part 4: what a reload changes on a running instance besides the SCAYLE client secret (that one:
// secret-reload.test.ts): the shop secret signs the next logout-redirect JWT (SCAYLE, the emulator, accepts
// it), and the password validation route accepts the new password and refuses the old one at once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, validate, VALIDATION_USER } from '../helpers/credentials.js';
import { Browser } from '../helpers/http.js';
import { startStack, TEST_SECRETS, type Stack } from '../helpers/stack.js';

const CALLBACK = 'https://shop.example/logged-out';
const dir = mkdtempSync(join(tmpdir(), 'bff-secrets-live-'));
const files = { shop: join(dir, 'shop-secret'), validation: join(dir, 'validation-password') };
const OLD_VALIDATION = `validation-${randomBytes(8).toString('hex')}`;
let stack: Stack;

beforeAll(async () => {
  writeFileSync(files.shop, `${TEST_SECRETS.shopSecret}\n`);
  writeFileSync(files.validation, `${OLD_VALIDATION}\n`);
  stack = await startStack({
    env: {
      SCAYLE_SHOP_SECRET: '', // unset: the file gives it
      SCAYLE_SHOP_SECRET_FILE: files.shop,
      PASSWORD_VALIDATION_USERNAME: VALIDATION_USER,
      PASSWORD_VALIDATION_PASSWORD_FILE: files.validation,
      SECRET_FILES_WATCH: 'false',
      LOGOUT_CALLBACK_URLS: CALLBACK,
    },
  });
});
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The logout redirect's target at SCAYLE, its JWT checked against `secret`, and SCAYLE's own answer to it. */
async function logoutRedirect(secret: string): Promise<number> {
  const res = await new Browser(stack.url).get(`/auth/logout/redirect?callback_url=${encodeURIComponent(CALLBACK)}`);
  expect(res.status).toBe(302);
  const target = res.headers.location as string;
  await jwtVerify(new URL(target).searchParams.get('jwt')!, new TextEncoder().encode(secret), { algorithms: ['HS256'] });
  const scayle = await request(target, { method: 'GET' });
  await scayle.body.dump();
  return scayle.statusCode;
}

describe('a reload on a running instance', () => {
  it('signs the next logout-redirect JWT with the reloaded shop secret', async () => {
    expect(await logoutRedirect(TEST_SECRETS.shopSecret)).toBe(302);
    const next = `shop-${randomBytes(12).toString('hex')}`;
    stack.emulator.setOptions({ shopSecret: next });
    writeFileSync(files.shop, `${next}\n`);
    expect(await stack.app.secrets.reload('sighup')).toEqual({ ok: true, changed: ['SCAYLE_SHOP_SECRET'] });
    expect(await logoutRedirect(next)).toBe(302); // SCAYLE redirects home: it accepted the JWT
  });

  it('checks the password validation route against the reloaded password', async () => {
    expect(
      (await validate(stack.url, { auth: basic(VALIDATION_USER, OLD_VALIDATION), body: { email: 'a@b.example', password: 'x' } })).status,
    ).toBe(200);
    const next = `validation-${randomBytes(8).toString('hex')}`;
    writeFileSync(files.validation, `${next}\n`);
    expect(await stack.app.secrets.reload('sighup')).toEqual({ ok: true, changed: ['PASSWORD_VALIDATION_PASSWORD'] });
    const body = { email: 'a@b.example', password: 'x' };
    expect((await validate(stack.url, { auth: basic(VALIDATION_USER, OLD_VALIDATION), body })).status).toBe(401);
    expect((await validate(stack.url, { auth: basic(VALIDATION_USER, next), body })).status).toBe(200);
  });
});
