// issue 18 part 4: `_FILE` twins at start-up: the file's content minus one trailing newline is the value,
// both set or an unreadable file is a problem naming the variable and path (never the content), and every
// problem still comes in one report.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';
import { SECRET_VARIABLES } from '../../src/secrets/secret-variables.js';
import { problemsOf } from '../helpers/config.js';

const dir = mkdtempSync(join(tmpdir(), 'bff-secret-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const KEYS = `${'a'.repeat(40)},${'b'.repeat(40)}`;
const production = {
  SCAYLE_AUTH_BASE_URL: 'https://acme-live.auth.scayle.cloud',
  SCAYLE_CLIENT_ID: 'client',
  SCAYLE_SHOP_ID: '139',
};

describe('*_FILE variables', () => {
  it('give every secret variable a twin in the schema', () => {
    const names = new Set(CONFIG_VARIABLES.map((v) => v.name));
    for (const name of SECRET_VARIABLES) expect(names.has(`${name}_FILE`), name).toBe(true);
  });

  it('read the value from the file, minus one trailing newline', () => {
    const config = loadConfig({
      ...production,
      SCAYLE_CLIENT_SECRET_FILE: file('client', 'client-secret-from-file\n'),
      SCAYLE_SHOP_SECRET_FILE: file('shop', 'shop-secret\n\n'),
      SESSION_ENCRYPTION_KEYS_FILE: file('keys', `${KEYS}\r\n`),
      PASSWORD_VALIDATION_USERNAME: 'scayle',
      PASSWORD_VALIDATION_PASSWORD_FILE: file('validation', 'pw-without-newline'),
    });
    expect(config.scayle.clientSecret).toBe('client-secret-from-file');
    // Only one newline goes; the schema then trims what is left (as it trims a plain variable).
    expect(config.scayle.shopSecret).toBe('shop-secret');
    expect(config.session.encryptionKeys).toEqual(['a'.repeat(40), 'b'.repeat(40)]);
    expect(config.passwordValidation?.password).toBe('pw-without-newline');
    expect(config.secretFiles.paths).toEqual({
      SCAYLE_CLIENT_SECRET: join(dir, 'client'),
      SCAYLE_SHOP_SECRET: join(dir, 'shop'),
      SESSION_ENCRYPTION_KEYS: join(dir, 'keys'),
      PASSWORD_VALIDATION_PASSWORD: join(dir, 'validation'),
    });
    expect(config.secretFiles.watch).toBe(true);
  });

  it('keep a value that ends in a space or holds inner newlines as it is, minus the last newline', () => {
    const path = file('token', 'line-1\nline-2\n');
    const config = loadConfig({ DEV_MODE: 'true', REGISTER_PROFILE_FIELDS: 'birth_date:date', ADMIN_API_TOKEN_FILE: path });
    expect(config.enrichment?.adminApi.token).toBe('line-1\nline-2');
  });

  it('refuse X and X_FILE together, an unreadable file and an empty one, in one report with the schema problems', () => {
    const missing = join(dir, 'does-not-exist');
    const secretContent = 'content-that-must-not-show';
    const problems = problemsOf({
      ...production,
      SCAYLE_CLIENT_SECRET: secretContent,
      SCAYLE_CLIENT_SECRET_FILE: file('both', secretContent),
      SCAYLE_SHOP_SECRET_FILE: missing,
      SESSION_ENCRYPTION_KEYS_FILE: file('empty', '\n'),
      SCAYLE_SHOP_ID: 'not-a-number',
    });
    expect(problems).toEqual([
      'SCAYLE_CLIENT_SECRET_FILE: set SCAYLE_CLIENT_SECRET or SCAYLE_CLIENT_SECRET_FILE, not both',
      `SCAYLE_SHOP_SECRET_FILE: cannot read ${missing} (ENOENT)`,
      `SESSION_ENCRYPTION_KEYS_FILE: ${join(dir, 'empty')} is empty`,
      expect.stringMatching(/^SCAYLE_SHOP_ID: /),
    ]);
    expect(problems.join('\n')).not.toContain(secretContent);
  });

  it('name an unreadable path (a directory) by path, and a value the schema refuses by variable, without the content', () => {
    const shortKey = 'short-key-that-must-not-show';
    const problems = problemsOf({
      ...production,
      SCAYLE_CLIENT_SECRET_FILE: dir,
      SCAYLE_SHOP_SECRET: 's',
      SESSION_ENCRYPTION_KEYS_FILE: file('short', `${shortKey}\n`),
    });
    expect(problems).toEqual([
      `SCAYLE_CLIENT_SECRET_FILE: cannot read ${dir} (EISDIR)`,
      'SESSION_ENCRYPTION_KEYS: every key must be at least 32 characters',
    ]);
    expect(problems.join('\n')).not.toContain(shortKey);
  });

  it('can turn the watch off', () => {
    expect(loadConfig({ DEV_MODE: 'true', SECRET_FILES_WATCH: 'false' }).secretFiles).toEqual({ paths: {}, watch: false });
  });
});
