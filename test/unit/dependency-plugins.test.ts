// The store, upstream and sessions plugins: registered in order with the decorators routes use, and
// app.close() closes what each opened (the store, SCAYLE's Pool, the JWKS Agent) but not a store passed in.
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { StoreUnavailableError } from '../../src/sessions/store.js';
import { transportCode } from '../../src/upstream/transport-errors.js';
import { freePort } from '../helpers/redis.js';

let config: Config;
beforeAll(async () => {
  // A port nothing listens on: upstream calls fail with ECONNREFUSED while the clients are open.
  config = loadConfig({
    SCAYLE_AUTH_BASE_URL: `http://127.0.0.1:${await freePort()}`,
    SCAYLE_CLIENT_ID: 'client',
    SCAYLE_CLIENT_SECRET: 'client-secret-value',
    SCAYLE_SHOP_ID: '7',
    SCAYLE_SHOP_SECRET: 'shop-secret-value',
    SESSION_ENCRYPTION_KEYS: 'k'.repeat(40),
    LOG_LEVEL: 'error',
  });
});
const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });

/** The transport code behind a rejection (the AppError keeps the undici error as its cause). */
async function causeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => transportCode((error as { cause?: unknown }).cause),
  );
}

describe('dependency plugins', () => {
  it('are registered by name and decorate the app as routes expect', async () => {
    const app = await buildApp(config, { logDestination: quiet });
    try {
      for (const name of ['store', 'upstream', 'sessions']) expect(app.hasPlugin(name)).toBe(true);
      for (const name of ['config', 'redis', 'sessionStore', 'scayle', 'verifier', 'sessions', 'refresher', 'registrations']) {
        expect(app.hasDecorator(name)).toBe(true);
      }
      expect(app.sessions.store).toBe(app.sessionStore);
    } finally {
      await app.close();
    }
  });

  it('close what they opened on app.close()', async () => {
    const app = await buildApp(config, { logDestination: quiet });
    expect(await causeOf(app.verifier.probe())).toBe('ECONNREFUSED');
    await app.close();
    await expect(app.sessionStore.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await causeOf(app.verifier.probe())).toMatch(/^UND_ERR_(DESTROYED|CLOSED)$/);
    expect((await app.scayle.logout('at', { requestId: 'r' }).catch((e: { code?: string }) => e))?.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('leave a store passed in open for its owner', async () => {
    const store = createMemoryStore();
    const app = await buildApp(config, { logDestination: quiet, store });
    await app.close();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });
});
