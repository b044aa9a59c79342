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

const SHOPS_YAML = `shops:
  - id: de
    pathPrefix: /de
    variables:
      SCAYLE_CLIENT_ID: de-dev-client
      SCAYLE_CLIENT_SECRET: de-dev-client-secret
      SCAYLE_SHOP_ID: 1001
      SCAYLE_SHOP_SECRET: de-dev-shop-secret
      SESSION_COOKIE_NAME: bff_session_de
  - id: at
    pathPrefix: /at
    variables:
      SCAYLE_CLIENT_ID: at-dev-client
      SCAYLE_CLIENT_SECRET: at-dev-client-secret
      SCAYLE_SHOP_ID: 1002
      SCAYLE_SHOP_SECRET: at-dev-shop-secret
      SESSION_COOKIE_NAME: bff_session_at
  - id: ch
    pathPrefix: /ch
    variables:
      SESSION_COOKIE_NAME: bff_session_ch
`;

let dir: string;
let server: ServerProcess;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bff-dev-shops-'));
  const shopsFile = join(dir, 'shops.yaml');
  await writeFile(shopsFile, SHOPS_YAML, { mode: 0o600 });
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
    for (const secret of ['de-dev-client-secret', 'at-dev-client-secret', 'de-dev-shop-secret', 'at-dev-shop-secret']) {
      expect(output).not.toContain(secret);
    }
  });
});
