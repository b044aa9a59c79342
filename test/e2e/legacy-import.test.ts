// The legacy import (issue 17 §2) against real Redis and the running service: rows loaded, bad lines
// skipped with their line numbers and reasons (never a hash or an address in the output), a second run
// updating instead of doubling, --dry-run writing nothing, --stats and --purge-migrated.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportCli } from '../../src/cli/import-legacy-passwords.js';
import { validate, VALIDATION_ENV } from '../helpers/credentials.js';
import { redisUrl } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

const PHPASS = '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'; // test12345 (Openwall test.php)
const dir = mkdtempSync(join(tmpdir(), 'legacy-import-'));
let stack: Stack;
let env: Record<string, string>;
let bcryptHash: string;

function csv(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runImportCli(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  stack = await startStack({ env: VALIDATION_ENV });
  env = {
    DEV_MODE: 'true',
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: stack.prefix,
    SESSION_ENCRYPTION_KEYS: stack.config.session.encryptionKeys.join(','),
  };
  bcryptHash = await bcrypt.hash('Analytical Engine', 4);
});
afterAll(async () => {
  await stack?.close();
});

describe('import', () => {
  let file: string;
  beforeAll(() => {
    file = csv('shop.csv', [
      'email,hash',
      `Ada@Example.com,${bcryptHash}`,
      `wp@example.com,${PHPASS}`,
      `not-an-address,${PHPASS}`,
      'md5@example.com,5f4dcc3b5aa765d61d8327deb882cf99',
      `ada@example.com,${PHPASS}`,
      `slow@example.com,$2b$20$${'a'.repeat(53)}`,
      'broken@example.com,"unclosed',
    ]);
  });

  it('loads the good rows and names every skipped line and why, printing no hash or address', async () => {
    const { code, out } = await run([file]);
    expect(code).toBe(0);
    expect(out).toContain('loaded 2 record(s): 2 new, 0 updated (bcrypt 1, phpass 1)');
    expect(out).toContain('line 4: bad e-mail');
    expect(out).toContain('line 5: unknown hash format');
    expect(out).toContain('line 6: duplicate e-mail');
    expect(out).toMatch(/line 7: bcrypt cost 20 outside/);
    expect(out).toContain('line 8: malformed CSV (CSV_QUOTE_NOT_CLOSED)');
    expect(out).not.toContain('$2');
    expect(out).not.toContain('$P$');
    expect(out).not.toMatch(/@example\.com/i);
  });

  it('serves the imported records to the validation route', async () => {
    expect((await validate(stack.url, { body: { email: 'ada@example.com', password: 'Analytical Engine' } })).body).toEqual({
      valid: true,
    });
    expect((await validate(stack.url, { body: { email: 'wp@example.com', password: 'test12345' } })).body).toEqual({ valid: true });
    expect((await validate(stack.url, { body: { email: 'wp@example.com', password: 'test1234' } })).body).toEqual({ valid: false });
  });

  it('updates on a second run instead of doubling', async () => {
    const { code, out } = await run([file]);
    expect(code).toBe(0);
    expect(out).toContain('loaded 2 record(s): 0 new, 2 updated');
    expect((await run(['--stats'])).out).toMatch(/^2 record\(s\): 2 migrated, 0 pending/);
  });

  it('validates without writing on --dry-run', async () => {
    const extra = csv('extra.csv', ['email,hash', `new@example.com,${PHPASS}`, 'bad,x']);
    const { code, out } = await run(['--dry-run', extra]);
    expect(code).toBe(0);
    expect(out).toContain('dry run: 1 record(s) would be loaded (phpass 1); nothing was written');
    expect(out).toContain('line 3: bad e-mail');
    expect((await run(['--stats'])).out).toMatch(/^2 record\(s\)/);
  });

  it('counts by format and state, and purges migrated records only', async () => {
    await run([csv('pending.csv', ['email,hash', `pending@example.com,${PHPASS}`])]);
    const stats = (await run(['--stats'])).out;
    expect(stats).toContain('3 record(s): 2 migrated, 1 pending');
    expect(stats).toContain('  phpass: 1 migrated, 1 pending');
    expect(stats).toContain('  bcrypt: 1 migrated, 0 pending');
    expect((await run(['--purge-migrated'])).out).toBe('purged 2 migrated record(s)');
    expect((await run(['--stats'])).out).toMatch(/^1 record\(s\): 0 migrated, 1 pending/);
    // A purged customer is unknown now (SCAYLE holds the password).
    expect((await validate(stack.url, { body: { email: 'wp@example.com', password: 'test12345' } })).body).toEqual({ valid: false });
  });
});

describe('failures', () => {
  it('exits non-zero when nothing could be loaded', async () => {
    const { code, err } = await run([csv('bad.csv', ['email,hash', 'x,y'])]);
    expect(code).toBe(1);
    expect(err).toContain('nothing could be loaded');
  });
  it('refuses a file without the email,hash header', async () => {
    const { code, err } = await run([csv('nohead.csv', [`a@example.com,${PHPASS}`])]);
    expect(code).toBe(1);
    expect(err).toContain('email,hash');
  });
  it('answers usage errors with 2', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['--stats', 'x.csv'])).code).toBe(2);
  });
});
