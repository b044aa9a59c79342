// Two (or more) shops on one instance (issue 18 part 3): one emulator per shop with its own SCAYLE
// credentials, a YAML SHOPS_FILE in a temporary directory, real Redis under this stack's own prefix, and
// browsers that address a shop by its Host header (or path prefix).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import { buildApp } from '../../src/app.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { DEV_ADMIN_API, EMULATOR_ADMIN_API_PATH } from '../../src/enrichment/config.js';
import { loadDeployment } from '../../src/shops/load-shops.js';
import { Browser } from './http.js';
import { cleanupPrefix, createTestRedis, redisUrl, uniquePrefix } from './redis.js';

export interface ShopSpec {
  id: string;
  hosts?: string[];
  pathPrefix?: string;
  /** Variables beyond the SCAYLE credentials the helper sets. */
  variables?: Record<string, string>;
  /** Point the shop's ADMIN_API_* at its own emulator (for REGISTER_PROFILE_FIELDS). */
  adminApi?: boolean;
}

export interface ShopsStack {
  url: string;
  app: FastifyInstance;
  prefix: string;
  /** The process environment the deployment was loaded from (SHOPS_FILE, REDIS_*, the key ring), as ops would have it. */
  env: Record<string, string>;
  emulators: Map<string, Emulator>;
  /** Every SCAYLE secret of every shop, for "never logged" checks. */
  secrets: string[];
  /** Every log line the service wrote, raw. */
  logs: string[];
  close(): Promise<void>;
}

export async function startShopsStack(specs: ShopSpec[], env: Record<string, string> = {}): Promise<ShopsStack> {
  const prefix = uniquePrefix('shops');
  const emulators = new Map<string, Emulator>();
  const secrets: string[] = [];
  const shops = [];
  for (const [index, spec] of specs.entries()) {
    // Each shop its own SCAYLE tenant: different client, shop id and secrets.
    const scayle = {
      clientId: `client-${spec.id}`,
      clientSecret: `client-secret-${spec.id}-0123456789`,
      shopId: 100 + index,
      shopSecret: `shop-secret-${spec.id}-0123456789`,
    };
    secrets.push(scayle.clientSecret, scayle.shopSecret);
    const emulator = await startEmulator(scayle);
    emulators.set(spec.id, emulator);
    shops.push({
      id: spec.id,
      ...(spec.hosts ? { hosts: spec.hosts } : {}),
      ...(spec.pathPrefix ? { pathPrefix: spec.pathPrefix } : {}),
      variables: {
        SCAYLE_AUTH_BASE_URL: emulator.url,
        SCAYLE_CLIENT_ID: scayle.clientId,
        SCAYLE_CLIENT_SECRET: scayle.clientSecret,
        SCAYLE_SHOP_ID: scayle.shopId,
        SCAYLE_SHOP_SECRET: scayle.shopSecret,
        ...(spec.adminApi
          ? {
              ADMIN_API_BASE_URL: `${emulator.url}${EMULATOR_ADMIN_API_PATH}`,
              ADMIN_API_TOKEN: DEV_ADMIN_API.token,
              ADMIN_API_SHOP_KEY: DEV_ADMIN_API.shopKey,
              ADMIN_API_COUNTRY_CODE: DEV_ADMIN_API.countryCode,
            }
          : {}),
        ...spec.variables,
      },
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'bff-shops-'));
  const file = join(dir, 'shops.yaml');
  writeFileSync(file, stringify({ shops }));
  const processEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    // One key ring for every shop: the shop id in the associated data still keeps their records apart.
    SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: prefix,
    MAX_EVENT_LOOP_UTILIZATION: '0',
    SHOPS_FILE: file,
    ...env,
  };
  const { config, shops: loaded } = loadDeployment(processEnv);
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const app = await buildApp(config, { logDestination, ...(loaded ? { shops: loaded } : {}) });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    app,
    prefix,
    env: processEnv,
    emulators,
    secrets,
    logs,
    async close() {
      await app.close();
      await Promise.all([...emulators.values()].map((e) => e.close()));
      rmSync(dir, { recursive: true, force: true });
      const redis = createTestRedis();
      await cleanupPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** A browser addressing `host` (Host header, and its own origin for CSRF) on the stack's listener. */
export function browserFor(url: string, host: string): Browser {
  const browser = new Browser(url, `http://${host}`);
  const call = browser.call.bind(browser);
  browser.call = (method, path, options = {}) => call(method, path, { ...options, headers: { host, ...options.headers } });
  return browser;
}
