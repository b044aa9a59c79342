// SHOPS_FILE (issue 18 part 3): the file's own rules (ids, hosts, prefixes), each shop's variables checked
// by the config schema over the process environment, shop-invariant variables refused in a shop, and no
// problem message that prints a value.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/config.js';
import { loadDeployment } from '../../src/shops/load-shops.js';
import { parseShopsFile } from '../../src/shops/shops-file.js';

const dir = mkdtempSync(join(tmpdir(), 'shops-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'a-client-secret-nobody-may-print-0123';
/** What every shop shares from the environment. */
const env = {
  SESSION_ENCRYPTION_KEYS: 'k'.repeat(32),
  REDIS_URL: 'redis://127.0.0.1:6390',
  REDIS_KEY_PREFIX: 'bff:',
};
const scayle = (n: number) => ({
  SCAYLE_AUTH_BASE_URL: `https://auth-${n}.example`,
  SCAYLE_CLIENT_ID: `client-${n}`,
  SCAYLE_CLIENT_SECRET: SECRET,
  SCAYLE_SHOP_ID: n,
  SCAYLE_SHOP_SECRET: `shop-secret-${n}`,
});

let files = 0;
function deploy(content: unknown, format: 'yaml' | 'json' = 'yaml') {
  files += 1;
  const file = join(dir, `shops-${files}.${format}`);
  writeFileSync(file, format === 'json' ? JSON.stringify(content) : stringify(content));
  return loadDeployment({ ...env, SHOPS_FILE: file });
}
function problems(content: unknown): string[] {
  try {
    deploy(content);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const listed = (error as ConfigError).problems;
    for (const p of listed) expect(p).not.toContain(SECRET);
    return listed;
  }
  throw new Error('expected a ConfigError');
}

describe('SHOPS_FILE', () => {
  it('gives each shop its own config from the same schema, keys under <REDIS_KEY_PREFIX><id>:', () => {
    const { config, shops } = deploy(
      {
        shops: [
          { id: 'de', hosts: ['DE.shop.example'], variables: { ...scayle(1), SESSION_COOKIE_NAME: 'de_session' } },
          { id: 'fr', pathPrefix: '/fr', variables: scayle(2) },
        ],
      },
      'json',
    );
    expect(shops!.map((s) => [s.id, s.hosts, s.pathPrefix])).toEqual([
      ['de', ['de.shop.example'], undefined],
      ['fr', [], '/fr'],
    ]);
    expect(shops![0]!.config.scayle).toMatchObject({ baseUrl: 'https://auth-1.example', clientId: 'client-1', shopId: 1 });
    expect(shops![1]!.config.scayle).toMatchObject({ baseUrl: 'https://auth-2.example', clientId: 'client-2', shopId: 2 });
    expect(shops![0]!.config.session.cookieName).toBe('de_session');
    expect(shops![1]!.config.session.cookieName).toBe('bff_session');
    expect(shops!.map((s) => s.config.redis?.keyPrefix)).toEqual(['bff:de:', 'bff:fr:']);
    // The process-wide settings keep the environment's prefix.
    expect(config.redis?.keyPrefix).toBe('bff:');
  });

  it('is not read without SHOPS_FILE: the environment is the one shop', () => {
    const { config, shops } = loadDeployment({ ...env, ...Object.fromEntries(Object.entries(scayle(3)).map(([k, v]) => [k, String(v)])) });
    expect(shops).toBeUndefined();
    expect(config.redis?.keyPrefix).toBe('bff:');
  });

  it('refuses a bad id, duplicate ids, hosts and prefixes, and a shop nothing selects', () => {
    const found = problems({
      shops: [
        { id: 'De_1', hosts: ['a.example'], variables: scayle(1) },
        { id: 'x', hosts: ['A.example'], pathPrefix: '/p', variables: scayle(2) },
        { id: 'x', pathPrefix: '/p', variables: scayle(3) },
        { id: 'y', variables: scayle(4) },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SHOPS_FILE shops\.0\.id: must be 1-32 characters/),
        expect.stringMatching(/^SHOPS_FILE shops\.1\.hosts\.0: host "a\.example" is also shop 0's/),
        expect.stringMatching(/^SHOPS_FILE shops\.2\.id: id "x" is also shop 1's/),
        expect.stringMatching(/^SHOPS_FILE shops\.2\.pathPrefix: pathPrefix "\/p" is also shop 1's/),
        expect.stringMatching(/^SHOPS_FILE shops\.3: needs hosts or a pathPrefix/),
      ]),
    );
    expect(problems({ shops: [{ id: 'a', pathPrefix: '/a/b', variables: scayle(1) }] })[0]).toMatch(/pathPrefix/);
    expect(problems({ shops: [{ id: 'a', hosts: ['a.example:8080'], variables: scayle(1) }] })[0]).toMatch(/without port/);
    expect(problems({ shops: [] })[0]).toMatch(/at least one shop/);
    expect(problems({ shops: [{ id: 'a', hosts: ['a.example'], colour: 'red' }] })[0]).toMatch(/colour/);
  });

  it('refuses a shop-invariant or unknown variable in a shop, naming the shop and the variable', () => {
    const found = problems({
      shops: [
        { id: 'de', hosts: ['de.example'], variables: { ...scayle(1), REDIS_URL: 'redis://10.0.0.1:6379', PORT: 8080 } },
        { id: 'fr', hosts: ['fr.example'], variables: { ...scayle(2), SCAYLE_CLIENT_SEKRET: 'typo' } },
      ],
    });
    expect(found).toEqual([
      'SHOPS_FILE shop "de": REDIS_URL is the same for every shop; set it in the environment, not in a shop',
      'SHOPS_FILE shop "de": PORT is the same for every shop; set it in the environment, not in a shop',
      'SHOPS_FILE shop "fr": SCAYLE_CLIENT_SEKRET is not a configuration variable',
    ]);
  });

  it('requires distinct cookie names of shops under path prefixes (they may share a host)', () => {
    expect(
      problems({
        shops: [
          { id: 'at', pathPrefix: '/at', variables: scayle(1) },
          { id: 'ch', pathPrefix: '/ch', variables: scayle(2) },
        ],
      }),
    ).toEqual(['SHOPS_FILE shop "ch": SESSION_COOKIE_NAME must differ from shop "at"\'s (both have a pathPrefix)']);
  });

  it("reports every shop's missing or invalid variables by shop and variable, never by value", () => {
    const { SCAYLE_CLIENT_SECRET: _missing, ...withoutSecret } = scayle(1);
    const found = problems({
      shops: [
        { id: 'de', hosts: ['de.example'], variables: withoutSecret },
        { id: 'fr', hosts: ['fr.example'], variables: { ...scayle(2), SCAYLE_AUTH_BASE_URL: `ftp://${SECRET}` } },
      ],
    });
    expect(found).toEqual([
      expect.stringMatching(/^SHOPS_FILE shop "de": SCAYLE_CLIENT_SECRET: required outside dev mode/),
      expect.stringMatching(/^SHOPS_FILE shop "fr": SCAYLE_AUTH_BASE_URL: /),
    ]);
  });

  it('takes a shared variable from the environment and lets a shop override it', () => {
    const file = join(dir, 'shared.yaml');
    writeFileSync(file, stringify({ shops: [{ id: 'de', hosts: ['de.example'], variables: { SCAYLE_SHOP_ID: 9 } }] }));
    const shared = Object.fromEntries(Object.entries(scayle(1)).map(([k, v]) => [k, String(v)]));
    const { shops } = loadDeployment({ ...env, ...shared, SHOPS_FILE: file });
    expect(shops![0]!.config.scayle).toMatchObject({ clientId: 'client-1', shopId: 9 });
  });

  it('accepts the example file in deploy/', () => {
    const { shops } = loadDeployment({ ...env, SHOPS_FILE: 'deploy/shops.example.yaml' });
    expect(shops!.map((s) => [s.id, s.config.redis?.keyPrefix])).toEqual([
      ['de', 'bff:de:'],
      ['at', 'bff:at:'],
    ]);
    expect(shops![1]!.config.rateLimit.emailPerMinute).toBe(5);
  });

  it('names an unreadable or unparsable file without quoting it', () => {
    expect(() => loadDeployment({ ...env, SHOPS_FILE: join(dir, 'missing.yaml') })).toThrow(/SHOPS_FILE cannot be read \(ENOENT\)/);
    expect(parseShopsFile(`shops: [ { id: "a", variables: { SCAYLE_CLIENT_SECRET: "${SECRET}" ]`)).toEqual({
      problems: ['the file is neither JSON nor YAML'],
    });
  });

  it('reads a shop secret from its own *_FILE (issue 18 part 4: reloaded for that shop alone), never the process-wide Redis ones', () => {
    const secretFile = join(dir, 'shop-a-client-secret');
    writeFileSync(secretFile, `${SECRET}-from-file\n`);
    const { SCAYLE_CLIENT_SECRET: _inline, ...fromFile } = scayle(1);
    const { shops } = deploy({
      shops: [{ id: 'a', hosts: ['a.example'], variables: { ...fromFile, SCAYLE_CLIENT_SECRET_FILE: secretFile } }],
    });
    expect(shops![0]!.config.scayle.clientSecret).toBe(`${SECRET}-from-file`);
    expect(shops![0]!.config.secretFiles.paths).toEqual({ SCAYLE_CLIENT_SECRET: secretFile });
    expect(
      problems({ shops: [{ id: 'a', hosts: ['a.example'], variables: { ...scayle(1), REDIS_PASSWORD_FILE: secretFile } }] }),
    ).toContain('SHOPS_FILE shop "a": REDIS_PASSWORD_FILE is the same for every shop; set it in the environment, not in a shop');
  });
});
