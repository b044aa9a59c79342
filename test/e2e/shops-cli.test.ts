// The ops commands with SHOPS_FILE (issue 18 part 3): `--shop <id>` runs a command with that shop's
// config, key prefix and records' associated data, against sessions and credentials the running service
// holds for two shops; without it (or with an unknown id) the command refuses, naming the known shops.
// The worker serves every shop's queue.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckUpstreamCli } from '../../src/cli/check-upstream.js';
import { runEnrichmentCli } from '../../src/cli/enrichment.js';
import { runImportCli } from '../../src/cli/import-legacy-passwords.js';
import { runSessionsCli } from '../../src/cli/sessions.js';
import { startWorkers } from '../../src/cli/worker.js';
import { VALIDATION_ENV, validate } from '../helpers/credentials.js';
import { eventually } from '../helpers/eventually.js';
import type { Browser } from '../helpers/http.js';
import { uniqueEmail } from '../helpers/http.js';
import { browserFor, startShopsStack, type ShopsStack } from '../helpers/shops-stack.js';

const DE = 'de.shop.test';
const AT = 'at.shop.test';
const PASSWORD = 'correct horse battery';
const dir = mkdtempSync(join(tmpdir(), 'shops-cli-'));
let stack: ShopsStack;

beforeAll(async () => {
  // Profile updates only queued by the service: `npm run worker` is what delivers them.
  const variables = { ...VALIDATION_ENV, REGISTER_PROFILE_FIELDS: 'phone:string', ENRICHMENT_WORKER: 'false', ENRICHMENT_BACKOFF_MS: '20' };
  stack = await startShopsStack([
    { id: 'de', hosts: [DE], variables, adminApi: true },
    { id: 'at', hosts: [AT], variables, adminApi: true },
  ]);
});
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Cli = (
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: { out: (l: string) => void; err: (l: string) => void },
) => Promise<number>;

async function run(cli: Cli, argv: string[], env: Record<string, string | undefined> = stack.env) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function register(host: string, email: string, userAgent: string, extra: Record<string, unknown> = {}) {
  const browser = browserFor(stack.url, host);
  const res = await browser.post(
    '/auth/register',
    { gender: 'f', first_name: 'Ada', last_name: 'Shop', email, password: PASSWORD, ...extra },
    { headers: { 'user-agent': userAgent } },
  );
  expect(res.status, res.text).toBe(201);
  return { browser, id: String(res.body.customer.id) };
}

describe('npm run sessions -- --shop <id>', () => {
  // The same customer id in both shops: each shop is its own SCAYLE tenant, and both emulators start
  // numbering customers alike. Shop de: two devices; shop at: one.
  let customerId: string;
  let de: Browser[];
  let at: Browser;
  beforeAll(async () => {
    const email = uniqueEmail('shops-cli');
    const first = await register(DE, email, 'de-device-0');
    const second = browserFor(stack.url, DE);
    const login = await second.post('/auth/login', { email, password: PASSWORD }, { headers: { 'user-agent': 'de-device-1' } });
    expect(login.status, login.text).toBe(200);
    const other = await register(AT, email, 'at-device-0');
    expect(other.id).toBe(first.id);
    customerId = first.id;
    de = [first.browser, second];
    at = other.browser;
  });

  it("lists only the named shop's sessions of a customer id both shops have", async () => {
    const listed = await run(runSessionsCli, ['--shop', 'de', 'list-customer', customerId]);
    expect(listed.err).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^2 live session\(s\) of customer /);
    expect(listed.out).toContain('de-device-0');
    expect(listed.out).toContain('de-device-1');
    expect(listed.out).not.toContain('at-device');

    const other = await run(runSessionsCli, ['list-customer', customerId, '--shop=at']);
    expect(other.out).toMatch(/^1 live session\(s\) of customer /);
    expect(other.out).toContain('at-device-0');
  });

  it("counts each shop's records per key", async () => {
    const count = async (shop: string) => {
      const usage = await run(runSessionsCli, ['--shop', shop, 'key-usage']);
      expect(usage.code, usage.err).toBe(0);
      return Number(/^key 1 \(id [0-9a-f]{12}\) encrypts: (\d+) record\(s\)$/m.exec(usage.out)?.[1]);
    };
    expect(await count('de')).toBe(2);
    expect(await count('at')).toBe(1);
  });

  it("ends the named shop's sessions only: the other shop's session of the same customer id stays", async () => {
    const ended = await run(runSessionsCli, ['--shop', 'de', 'end-customer', customerId]);
    expect(ended).toMatchObject({ code: 0, out: `ended 2 session(s) of customer ${customerId}` });
    for (const browser of de) expect((await browser.get('/auth/session')).status).toBe(401);
    expect((await at.get('/auth/session')).status).toBe(200);
    expect((await run(runSessionsCli, ['--shop', 'at', 'list-customer', customerId])).out).toMatch(/^1 live session\(s\)/);
  });

  it('refuses a missing or unknown --shop with SHOPS_FILE, and --shop without it, naming the shops and no secret', async () => {
    const missing = await run(runSessionsCli, ['list-customer', '1']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--shop <id> is required with SHOPS_FILE');
    expect(missing.err).toContain('(shops: de, at)');
    const unknown = await run(runSessionsCli, ['--shop', 'ch', 'list-customer', '1']);
    expect([unknown.code, unknown.err]).toEqual([2, '--shop: no shop "ch" in SHOPS_FILE (shops: de, at)']);
    // Whatever is not shaped like a shop id is not echoed.
    const pasted = await run(runSessionsCli, ['--shop', 'Secret Value!', 'key-usage']);
    expect([pasted.code, pasted.err]).toEqual([2, '--shop: not a shop id in SHOPS_FILE (shops: de, at)']);
    expect((await run(runSessionsCli, ['--shop'])).code).toBe(2);
    expect((await run(runSessionsCli, ['--shop', 'de', '--shop', 'at', 'key-usage'])).code).toBe(2);

    const { SHOPS_FILE: _file, ...single } = stack.env;
    const withoutFile = await run(runSessionsCli, ['--shop', 'de', 'key-usage'], single);
    expect(withoutFile.code).toBe(2);
    expect(withoutFile.err).toMatch(/^--shop needs SHOPS_FILE/);

    const printed = [missing, unknown, pasted, withoutFile].map((r) => `${r.out}\n${r.err}`).join('\n');
    for (const secret of [...stack.secrets, stack.env.SESSION_ENCRYPTION_KEYS!, VALIDATION_ENV.PASSWORD_VALIDATION_PASSWORD]) {
      expect(printed).not.toContain(secret);
    }
  });
});

describe('npm run import-legacy-passwords -- --shop <id>', () => {
  it("loads into the named shop's store: only that shop's validation route knows the records", async () => {
    const hash = await bcrypt.hash('Analytical Engine', 4);
    const email = uniqueEmail('legacy');
    const file = join(dir, 'de.csv');
    writeFileSync(file, `email,hash\n${email},${hash}\n`);

    expect((await run(runImportCli, [file])).code).toBe(2);
    const loaded = await run(runImportCli, ['--shop', 'de', file]);
    expect(loaded.out).toContain('loaded 1 record(s): 1 new, 0 updated (bcrypt 1)');
    expect(loaded.code).toBe(0);

    const check = (host: string) => validate(stack.url, { body: { email, password: 'Analytical Engine' }, headers: { host } });
    expect((await check(DE)).body).toEqual({ valid: true });
    expect((await check(AT)).body).toEqual({ valid: false });
    expect((await run(runImportCli, ['--stats', '--shop', 'at'])).out).toMatch(/^0 record\(s\)/);
  });
});

describe('npm run check-upstream -- --shop <id>', () => {
  it("checks the named shop's tenant with its credentials", async () => {
    const lines: string[] = [];
    const check = (argv: string[]) => runCheckUpstreamCli(stack.env, { out: (l) => lines.push(l), err: (l) => lines.push(l) }, argv);
    expect(await check([])).toBe(2);
    expect(lines).toEqual([expect.stringContaining('(shops: de, at)')]);
    lines.length = 0;
    const code = await check(['--shop', 'at']);
    expect(lines[0]).toMatch(
      new RegExp(`^Checking the SCAYLE tenant at ${stack.emulators.get('at')!.url} \\(SHOPS_FILE shop at, shop 101\\)`),
    );
    expect(lines.join('\n')).not.toContain('[FAIL]');
    expect(code).toBe(0);
    for (const secret of stack.secrets) expect(lines.join('\n')).not.toContain(secret);
  });
});

describe('the enrichment commands and the worker with SHOPS_FILE', () => {
  it("serves every shop's queue: each shop's profile update reaches its own Admin API", async () => {
    const updates = (shop: string, id: string) =>
      stack.emulators.get(shop)!.state.adminCustomerUpdates.filter((u) => String(u.customerId) === id);
    const de = await register(DE, uniqueEmail('enrich-de'), 'w', { phone: '+49 30 1' });
    const at = await register(AT, uniqueEmail('enrich-at'), 'w', { phone: '+43 1 2' });

    const workers = await startWorkers([], stack.env, { err: () => undefined });
    if (typeof workers === 'number') throw new Error(`worker exit ${workers}`);
    try {
      expect(workers.shops).toEqual(['de', 'at']);
      await eventually(
        () => updates('de', de.id).length === 1 && updates('at', at.id).length === 1,
        "each shop's profile update delivered",
      );
      expect(updates('de', de.id)[0]!.body).toEqual({ phone: '+49 30 1' });
      expect(updates('at', at.id)[0]!.body).toEqual({ phone: '+43 1 2' });
    } finally {
      await workers.close();
    }
    const stats = await run(runEnrichmentCli, ['--shop', 'at', 'stats']);
    expect([stats.code, stats.out]).toEqual([0, 'dead-lettered: 0']);
    expect((await run(runEnrichmentCli, ['stats'])).code).toBe(2);
  });

  it('refuses an unknown --shop for the worker', async () => {
    const errors: string[] = [];
    expect(await startWorkers(['--shop', 'ch'], stack.env, { err: (l) => errors.push(l) })).toBe(2);
    expect(errors).toEqual(['--shop: no shop "ch" in SHOPS_FILE (shops: de, at)']);
  });
});
