// Starts the whole service the way server.ts does, on port 0: the emulator as SCAYLE, real Redis under a
// key prefix of this stack's own (cleaned up by prefix on close), and logs captured for secret scans.
// By default in dev mode (DEV_MODE=true: the demo page and dev-only fields), the emulator standing in for
// the embedded one; `env: { SCAYLE_AUTH_BASE_URL }` gives a service configured for a real SCAYLE instead.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOverrides } from '../../src/app.js';
import { loadConfig, withEmbeddedEmulator, type Config } from '../../src/config.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { cleanupPrefix, createTestRedis, redisUrl, uniquePrefix } from './redis.js';

export interface Stack {
  url: string;
  app: FastifyInstance;
  config: Config;
  emulator: Emulator;
  prefix: string;
  /** Every log line the service wrote, raw. */
  logs: string[];
  close(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string>;
  emulator?: Partial<EmulatorOptions>;
  /** Share an emulator between stacks (two instances of the service against one SCAYLE). */
  sharedEmulator?: Emulator;
  /** Share a key prefix between stacks (two instances on one Redis). */
  prefix?: string;
  /** Use the in-memory store instead of Redis. */
  memory?: boolean;
  /** Where Redis is instead of the run's private server (REDIS_CLUSTER_NODES, REDIS_SENTINELS...); not cleaned up. */
  redisEnv?: Record<string, string>;
  overrides?: BuildOverrides;
}

export const TEST_SECRETS = {
  clientId: 'test-client',
  clientSecret: 'test-client-secret-0123456789',
  shopSecret: 'test-shop-secret-0123456789',
};

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const prefix = options.prefix ?? uniquePrefix('e2e');
  const emulator =
    options.sharedEmulator ??
    (await startEmulator({
      clientId: TEST_SECRETS.clientId,
      clientSecret: TEST_SECRETS.clientSecret,
      shopId: 7,
      shopSecret: TEST_SECRETS.shopSecret,
      ...options.emulator,
    }));
  const env: Record<string, string> = {
    DEV_MODE: 'true',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    SCAYLE_CLIENT_ID: TEST_SECRETS.clientId,
    SCAYLE_CLIENT_SECRET: TEST_SECRETS.clientSecret,
    SCAYLE_SHOP_ID: '7',
    SCAYLE_SHOP_SECRET: TEST_SECRETS.shopSecret,
    SESSION_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
    REDIS_KEY_PREFIX: prefix,
    // Test workers run the service, the emulator and the test itself on one busy event loop: a
    // utilisation-based shed would make results depend on machine load. The delay check stays on.
    MAX_EVENT_LOOP_UTILIZATION: '0',
    ...(options.memory ? {} : (options.redisEnv ?? { REDIS_URL: redisUrl() })),
    ...options.env,
  };
  const loaded = loadConfig(env);
  const config: Config = loaded.devMode ? withEmbeddedEmulator(loaded, emulator.url) : loaded;
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const app = await buildApp(config, { logDestination, ...options.overrides });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address,
    app,
    config,
    emulator,
    prefix,
    logs,
    async close() {
      await app.close();
      if (!options.sharedEmulator) await emulator.close();
      if (!options.memory && !options.prefix && !options.redisEnv) {
        const redis = createTestRedis();
        await cleanupPrefix(redis, prefix);
        redis.disconnect();
      }
    },
  };
}
