// The migration login end to end (issue 17 §3): a CSV with a bcrypt and a phpass customer is imported,
// both are flagged "external password" at the emulator (SCAYLE), and each logs in through POST /auth/login:
// the emulator calls back into the service's validation route, keeps the password on valid: true, and the
// second login no longer asks. A wrong password on a first login is refused and asks again next time.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runImportCli } from '../../src/cli/import-legacy-passwords.js';
import { credentialId } from '../../src/migration/credential-store.js';
import { VALIDATION_ENV, VALIDATION_PASSWORD, VALIDATION_USER } from '../helpers/credentials.js';
import { Browser } from '../helpers/http.js';
import { redisUrl } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

const customers = [
  { email: 'ada@example.com', password: 'Analytical Engine' },
  // WordPress/WooCommerce phpass; Openwall's test.php vector.
  { email: 'wp@example.com', password: 'test12345', hash: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' },
];
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ env: VALIDATION_ENV });
  const file = join(mkdtempSync(join(tmpdir(), 'migration-login-')), 'legacy.csv');
  writeFileSync(
    file,
    `email,hash\n${customers[0]!.email},${await bcrypt.hash(customers[0]!.password, 5)}\n${customers[1]!.email},${customers[1]!.hash}\n`,
  );
  const out: string[] = [];
  const env = {
    DEV_MODE: 'true',
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: stack.prefix,
    SESSION_ENCRYPTION_KEYS: stack.config.session.encryptionKeys.join(','),
  };
  expect(await runImportCli([file], env, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
  expect(out[0]).toContain('loaded 2 record(s)');
  // SCAYLE's side of the migration: the customers exist, flagged, and SCAYLE knows where to ask.
  for (const { email } of customers)
    stack.emulator.state.addCustomer({ email, firstName: 'M', lastName: 'C', guest: false, externalPassword: true });
  stack.emulator.setOptions({
    externalPasswordValidation: {
      url: `${stack.url}/checkout/password/credentials`,
      username: VALIDATION_USER,
      password: VALIDATION_PASSWORD,
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

it('logs each migrated customer in through the validation service once, then on SCAYLE alone', async () => {
  for (const { email, password } of customers) {
    const checks = stack.emulator.state.externalPasswordChecks;
    const first = await new Browser(stack.url).post('/auth/login', { email, password });
    expect(first.status, email).toBe(200);
    expect(first.body.access_token).toEqual(expect.any(String));
    expect(stack.emulator.state.externalPasswordChecks).toBe(checks + 1);
    expect((await stack.app.credentialStore.get(credentialId(email)))?.migratedAt).toEqual(expect.any(Number));

    const second = await new Browser(stack.url).post('/auth/login', { email, password });
    expect(second.status).toBe(200);
    expect(stack.emulator.state.externalPasswordChecks).toBe(checks + 1);
  }
});

it('refuses a wrong first-login password and asks the service again next time', async () => {
  stack.emulator.state.addCustomer({ email: 'late@example.com', firstName: 'L', lastName: 'C', guest: false, externalPassword: true });
  const checks = stack.emulator.state.externalPasswordChecks;
  const wrong = await new Browser(stack.url).post('/auth/login', { email: 'late@example.com', password: 'whatever' });
  expect(wrong.status).toBe(401);
  expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
  await new Browser(stack.url).post('/auth/login', { email: 'late@example.com', password: 'whatever' });
  expect(stack.emulator.state.externalPasswordChecks).toBe(checks + 2);
});
