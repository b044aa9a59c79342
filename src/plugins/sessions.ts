// Sessions on top of the store and SCAYLE: `app.sessions` (create, load, save, destroy; encryption at
// rest), `app.refresher` (single-flight token refresh) and `app.registrations` (the double-submit guard).
// They hold no connection of their own: the store and upstream plugins close what these use.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createRegistrationGuard, type RegistrationGuard } from '../sessions/registration-guard.js';
import { observeCrypto } from '../sessions/observed-crypto.js';
import { keyIdOf } from '../sessions/session-crypto.js';
import { liveSessionCrypto } from '../secrets/live.js';
import { shopSessionCrypto } from '../shops/shop-crypto.js';
import { createSessionService, type SessionService } from '../sessions/session-service.js';
import { createTokenRefresher, type TokenRefresher } from '../sessions/token-refresher.js';
import type { DependencyPluginOptions } from './overrides.js';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionService;
    refresher: TokenRefresher;
    registrations: RegistrationGuard;
  }
}

export const sessionsPlugin = fp(
  async (app: FastifyInstance, { config, overrides, shop }: DependencyPluginOptions) => {
    const { metrics, sessionStore: store, scayle, verifier, secrets } = app;
    if (config.session.encryptionKeysGenerated)
      app.log.warn('SESSION_ENCRYPTION_KEYS is unset: using a random key, sessions will not survive a restart');

    // issue 18: per-key-id counters, every ring key exported at 0 so "no use" is visible, not absent.
    const exportKeyIds = (keys: readonly string[]): void => {
      for (const keyId of keys.map(keyIdOf)) {
        metrics.recordsSealed.labels(keyId).inc(0);
        metrics.recordsOpened.labels(keyId).inc(0);
      }
    };
    exportKeyIds(secrets.current.SESSION_ENCRYPTION_KEYS);
    // issue 18 part 4: the ring in use at each seal/open, so a reloaded SESSION_ENCRYPTION_KEYS applies at once.
    // issue 18 part 3: with SHOPS_FILE a record opens only in the shop that sealed it.
    const ring = liveSessionCrypto(() => secrets.current.SESSION_ENCRYPTION_KEYS);
    const crypto = observeCrypto(shopSessionCrypto(ring, shop), {
      sealed: (keyId) => metrics.recordsSealed.inc({ key_id: keyId }),
      opened: (keyId) => metrics.recordsOpened.inc({ key_id: keyId }),
    });
    const service = createSessionService({
      store,
      crypto,
      idleTtlMs: config.session.idleTtlSeconds * 1000,
      absoluteTtlMs: config.session.absoluteTtlSeconds * 1000,
      ...(overrides.now ? { now: overrides.now } : {}),
      onUnreadableRecord: () => app.log.warn('a session record could not be decrypted (key removed from SESSION_ENCRYPTION_KEYS?)'),
      onExpired: () => metrics.sessionsEnded.inc({ reason: 'expired' }),
      cache: app.sessionCache, // issue 20
    });
    const sessions: SessionService = {
      ...service,
      create: async (input) => {
        const created = await service.create(input);
        metrics.sessionsCreated.inc({ client_mode: input.clientMode });
        return created;
      },
    };
    const refresher = createTokenRefresher({
      sessions,
      refresh: (refreshToken, ctx) => scayle.refresh(refreshToken, ctx),
      verify: (token) => verifier.verify(token),
      revoke: (token, jti, ctx) => scayle.revokeToken(token, jti, ctx),
      events: {
        started: () => metrics.refreshesStarted.inc(),
        merged: () => metrics.refreshesMerged.inc(),
        resumed: () => metrics.refreshesResumed.inc(),
        failed: (reason) => metrics.refreshFailures.inc({ reason }),
        lockWait: (ms) => metrics.refreshLockWait.observe(ms / 1000),
      },
    });

    // A new ring: export its key ids, and forget records opened in memory (one under a dropped key must not open).
    secrets.onChange((values, changed) => {
      if (!changed.includes('SESSION_ENCRYPTION_KEYS')) return;
      exportKeyIds(values.SESSION_ENCRYPTION_KEYS);
      service.forgetOpened();
    });

    app.decorate('sessions', sessions);
    app.decorate('refresher', refresher);
    app.decorate('registrations', createRegistrationGuard(store));
  },
  { name: 'sessions', dependencies: ['metrics', 'store', 'secrets', 'session-cache', 'upstream'] },
);
