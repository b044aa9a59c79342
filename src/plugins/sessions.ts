// Sessions on top of the store and SCAYLE: `app.sessions` (create, load, save, destroy; encryption at
// rest), `app.refresher` (single-flight token refresh) and `app.registrations` (the double-submit guard).
// They hold no connection of their own: the store and upstream plugins close what these use.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Counter } from 'prom-client';
import { REFRESH_FAILURE_REASONS } from '../sessions/refresh-failure-reason.js';
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
    const { metrics, sessionStore: store, scayle, verifier, secrets, shopId } = app;
    if (config.session.encryptionKeysGenerated)
      app.log.warn('SESSION_ENCRYPTION_KEYS is unset: using a random key, sessions will not survive a restart');

    // issue 18: per-key-id counters, every ring key exported at 0 so "no use" is visible, not absent. A seal
    // or open comes per request: each key id's label children are bound once (a handful per ring).
    const keyCounters = new Map<string, { sealed: Counter.Internal; opened: Counter.Internal }>();
    const countersOf = (keyId: string): { sealed: Counter.Internal; opened: Counter.Internal } => {
      let counters = keyCounters.get(keyId);
      if (!counters) {
        const labels = { key_id: keyId, shop: shopId };
        counters = { sealed: metrics.recordsSealed.labels(labels), opened: metrics.recordsOpened.labels(labels) };
        keyCounters.set(keyId, counters);
      }
      return counters;
    };
    const exportKeyIds = (keys: readonly string[]): void => {
      for (const keyId of keys.map(keyIdOf)) {
        const { sealed, opened } = countersOf(keyId);
        sealed.inc(0);
        opened.inc(0);
      }
    };
    exportKeyIds(secrets.current.SESSION_ENCRYPTION_KEYS);
    // issue 18 part 4: the ring in use at each seal/open, so a reloaded SESSION_ENCRYPTION_KEYS applies at once.
    // issue 18 part 3: with SHOPS_FILE a record opens only in the shop that sealed it.
    const ring = liveSessionCrypto(() => secrets.current.SESSION_ENCRYPTION_KEYS);
    const crypto = observeCrypto(shopSessionCrypto(ring, shop), {
      sealed: (keyId) => countersOf(keyId).sealed.inc(),
      opened: (keyId) => countersOf(keyId).opened.inc(),
    });
    const service = createSessionService({
      store,
      crypto,
      idleTtlMs: config.session.idleTtlSeconds * 1000,
      absoluteTtlMs: config.session.absoluteTtlSeconds * 1000,
      ...(overrides.now ? { now: overrides.now } : {}),
      onUnreadableRecord: () => app.log.warn('a session record could not be decrypted (key removed from SESSION_ENCRYPTION_KEYS?)'),
      onExpired: () => metrics.sessionsEnded.inc({ reason: 'expired', shop: shopId }),
      cache: app.sessionCache, // issue 20
    });
    const created = {
      cookie: metrics.sessionsCreated.labels({ client_mode: 'cookie', shop: shopId }),
      token: metrics.sessionsCreated.labels({ client_mode: 'token', shop: shopId }),
    };
    const sessions: SessionService = {
      ...service,
      create: async (input) => {
        const session = await service.create(input);
        created[input.clientMode].inc();
        return session;
      },
    };
    // Every failure reason is exported from the start (at 0), so an alert on one can tell "none yet" from "absent".
    for (const reason of REFRESH_FAILURE_REASONS) metrics.refreshFailures.labels({ reason, shop: shopId }).inc(0);
    const [started, merged, resumed, lockWait] = [
      metrics.refreshesStarted.labels(shopId),
      metrics.refreshesMerged.labels(shopId),
      metrics.refreshesResumed.labels(shopId),
      metrics.refreshLockWait.labels(shopId),
    ];
    const refresher = createTokenRefresher({
      sessions,
      refresh: (refreshToken, ctx) => scayle.refresh(refreshToken, ctx),
      verify: (token) => verifier.verify(token),
      revoke: (token, jti, ctx) => scayle.revokeToken(token, jti, ctx),
      events: {
        started: () => started.inc(),
        merged: () => merged.inc(),
        resumed: () => resumed.inc(),
        failed: (reason) => metrics.refreshFailures.inc({ reason, shop: shopId }),
        lockWait: (ms) => lockWait.observe(ms / 1000),
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
