// `npm run dev` with a SHOPS_FILE: every shop without SCAYLE_AUTH_BASE_URL talks to an embedded emulator that
// knows its own client and shop credentials (one emulator per set of credentials, as every SCAYLE tenant has
// its own), so a second shop with credentials of its own logs in as the first does. src/server.ts as its own
// process, configured by the environment and the file alone.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/** Credentials of a SCAYLE tenant of its own (secrets that must reach no log line). */
const tenant = (id: string, shopId: number): Record<string, string> => ({
  SCAYLE_CLIENT_ID: `${id}-dev-client`,
  SCAYLE_CLIENT_SECRET: `${id}-dev-client-secret`,
  SCAYLE_SHOP_ID: String(shopId),
  SCAYLE_SHOP_SECRET: `${id}-dev-shop-secret`,
});
/** Two shops with credentials of their own, one on the dev defaults; each under its own path prefix. */
const SHOPS = [
  { id: 'de', credentials: tenant('de', 1001) },
  { id: 'at', credentials: tenant('at', 1002) },
  { id: 'ch', credentials: {} as Record<string, string> },
];
// JSON is YAML too: SHOPS_FILE reads either.
const SHOPS_FILE = JSON.stringify({
  shops: SHOPS.map(({ id, credentials }) => ({
    id,
    pathPrefix: `/${id}`,
    variables: { ...credentials, SESSION_COOKIE_NAME: `bff_session_${id}` },
  })),
});

let dir: string;
let server: ServerProcess;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bff-dev-shops-'));
  const shopsFile = join(dir, 'shops.json');
  await writeFile(shopsFile, SHOPS_FILE, { mode: 0o600 });
  server = await startServerProcess({ DEV_MODE: 'true', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SHOPS_FILE: shopsFile });
});
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

describe('dev mode with several shops', () => {
  it('logs in to every shop, each through an emulator that accepts its own credentials', async () => {
    for (const shop of ['de', 'at', 'ch']) {
      const browser = new Browser(server.url);
      const email = uniqueEmail(`dev-${shop}`);
      const password = 'dev shops password 1';
      const registered = await browser.post(`/${shop}/auth/register`, { gender: 'f', first_name: 'De', last_name: 'V', email, password });
      expect(registered.status, `${shop}: ${registered.text}`).toBe(201);
      expect((await browser.get(`/${shop}/auth/session`)).status, shop).toBe(200);
      const guest = await new Browser(server.url).post(`/${shop}/auth/login/guest`, {
        gender: 'm',
        first_name: 'G',
        last_name: 'U',
        email: uniqueEmail(`dev-guest-${shop}`),
      });
      expect(guest.status, `${shop}: ${guest.text}`).toBe(200);
    }
    // Each tenant keeps its own customers: the account registered through "de" is unknown to "at".
    const email = uniqueEmail('dev-tenants');
    const password = 'dev shops password 2';
    const registered = await new Browser(server.url).post('/de/auth/register', {
      gender: 'f',
      first_name: 'T',
      last_name: 'N',
      email,
      password,
    });
    expect(registered.status).toBe(201);
    expect((await new Browser(server.url).post('/at/auth/login', { email, password })).status).toBe(401);
    // No shop's client or shop secret reached the log (the emulators' URLs do, as dev-mode warnings).
    const output = server.output();
    expect(output).toMatch(/embedded SCAYLE emulator/);
    const secrets = SHOPS.flatMap(({ credentials }) => [credentials.SCAYLE_CLIENT_SECRET, credentials.SCAYLE_SHOP_SECRET]);
    expect(secrets.filter(Boolean)).toHaveLength(4);
    for (const secret of secrets.filter((s): s is string => s !== undefined)) {
      expect(output).not.toContain(secret);
    }
  });
});
