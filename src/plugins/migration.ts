// issue 17: the customer-migration dependencies, registered only when the password validation route is
// configured: `app.credentialStore` (Redis when REDIS_URL is set, else memory) and `app.passwordValidator`.
// The hash formats and check limiter are the shared ones when handed in (SHOPS_FILE: one per process, closed
// by whoever made them), else its own, which it closes; the Redis connection belongs to the store plugin.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createMemoryCredentialStore } from '../migration/credential-store-memory.js';
import { createRedisCredentialStore } from '../migration/credential-store-redis.js';
import type { CredentialStore } from '../migration/credential-store.js';
import { preloadNativeBindings } from '../migration/formats/native-bindings.js';
import { createPasswordValidator, type PasswordValidator } from '../migration/password-validator.js';
import { createPasswordWork } from '../migration/password-work.js';
import { liveSessionCrypto } from '../secrets/live.js';
import type { DependencyPluginOptions } from './overrides.js';

declare module 'fastify' {
  interface FastifyInstance {
    credentialStore: CredentialStore;
    passwordValidator: PasswordValidator;
  }
}

export const migrationPlugin = fp(
  async (app: FastifyInstance, { config, overrides }: DependencyPluginOptions) => {
    const { redis, metrics } = app;
    const settings = config.passwordValidation;
    if (!settings) throw new Error('the migration plugin needs PASSWORD_VALIDATION_* (app.ts registers it only then)');
    const store =
      redis && config.redis
        ? createRedisCredentialStore({ redis, keyPrefix: config.redis.keyPrefix })
        : createMemoryCredentialStore({ maxEntries: config.session.memoryMaxEntries });
    if (!redis) app.log.warn('REDIS_URL is unset: imported legacy credentials cannot reach this process (the import writes to Redis)');
    await preloadNativeBindings(); // a broken prebuild stops start-up, not a customer's first login
    const work = overrides.passwordWork ?? createPasswordWork(settings);
    app.addHook('onClose', async () => {
      if (!overrides.passwordWork) await work.close();
      await store.close();
    });
    app.decorate('credentialStore', store);
    app.decorate(
      'passwordValidator',
      createPasswordValidator({
        store,
        crypto: liveSessionCrypto(() => app.secrets.current.SESSION_ENCRYPTION_KEYS), // issue 18 part 4: reloadable
        formats: work.formats,
        limiter: work.limiter,
        ...(overrides.now ? { now: overrides.now } : {}),
        onOutcome: (outcome, format) => metrics.passwordValidations.inc({ outcome, format, shop: app.shopId }),
        onUnreadable: () => app.log.warn('a legacy credential record could not be decrypted (key removed from SESSION_ENCRYPTION_KEYS?)'),
        onMarkFailed: (error) => app.log.warn({ err: error }, 'a migrated credential could not be marked migrated'),
      }),
    );
  },
  { name: 'migration', dependencies: ['metrics', 'store', 'secrets'] },
);
