// The service's shared clients as Fastify decorators: the session store (Redis or memory), the SCAYLE
// client, the access-token verifier, the session service and the refresher. Each is created in one
// place and closed in onClose; tests pass their own through `overrides`. Each is wired to `app.metrics`.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { instrumentStore } from '../metrics/instrumented-store.js';
import { upstreamCallObserver } from '../metrics/metrics.js';
import { createMemoryStore } from '../sessions/memory-store.js';
import { closeRedis, createRedisConnection, waitForRedis } from '../sessions/redis-connection.js';
import { createRedisStore } from '../sessions/redis-store.js';
import { createSessionCrypto } from '../sessions/session-crypto.js';
import { createRegistrationGuard, type RegistrationGuard } from '../sessions/registration-guard.js';
import { createSessionService, type SessionService } from '../sessions/session-service.js';
import type { SessionStore } from '../sessions/store.js';
import { createTokenRefresher, type TokenRefresher } from '../sessions/token-refresher.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { createScayleClient, type ScayleClient } from '../upstream/scayle-client.js';
import type { Dispatcher } from 'undici';

export interface DependencyOverrides {
  /** A store to use instead of the one the config names; the caller closes it. */
  store?: SessionStore;
  /** An ioredis client to use for REDIS_URL instead of opening one; the caller closes it. */
  redis?: Redis;
  /** Dispatcher for upstream calls (tests: MockAgent). */
  dispatcher?: Dispatcher;
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    scayle: ScayleClient;
    verifier: AccessTokenVerifier;
    sessions: SessionService;
    refresher: TokenRefresher;
    registrations: RegistrationGuard;
    /** The Redis connection when REDIS_URL is configured (rate limits share it). */
    redis: Redis | undefined;
  }
}

export const dependenciesPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config; overrides: DependencyOverrides }) => {
    const { config, overrides } = opts;
    const baseUrl = config.scayle.baseUrl;
    if (baseUrl === undefined) throw new Error('scayle.baseUrl must be set (server.ts starts the emulator in dev mode)');

    const ownsRedis = overrides.redis === undefined && overrides.store === undefined && config.redis !== undefined;
    const redis = overrides.redis ?? (ownsRedis && config.redis ? createRedisConnection(config.redis.url, { logger: app.log }) : undefined);
    const rawStore =
      overrides.store ??
      (redis && config.redis
        ? createRedisStore({ redis, keyPrefix: config.redis.keyPrefix })
        : createMemoryStore({ maxEntries: config.session.memoryMaxEntries }));
    if (ownsRedis && redis) {
      // Commands fail fast while Redis is unreachable (no offline queue), so give it a moment to connect;
      // if it stays down the service still starts, reports not-ready and answers 503 until it is back.
      await waitForRedis(redis, 3_000).catch(() => app.log.error('Redis is not reachable yet; session routes answer 503 until it is'));
    }
    if (!overrides.store && !redis)
      app.log.warn('REDIS_URL is unset: sessions live in this process only (fine for development, not for more than one instance)');
    if (config.session.encryptionKeysGenerated)
      app.log.warn('SESSION_ENCRYPTION_KEYS is unset: using a random key, sessions will not survive a restart');
    const { metrics } = app;
    const store = instrumentStore(rawStore, metrics);

    const scayle = createScayleClient({
      baseUrl,
      clientId: config.scayle.clientId,
      clientSecret: config.scayle.clientSecret,
      shopId: config.scayle.shopId,
      clientKey: config.scayle.clientKey,
      connectTimeoutMs: config.scayle.connectTimeoutMs,
      requestTimeoutMs: config.scayle.timeoutMs,
      logger: app.log,
      onCall: upstreamCallObserver(metrics),
      ...(overrides.dispatcher ? { dispatcher: overrides.dispatcher } : {}),
    });
    const verifier = createAccessTokenVerifier({
      jwksUrl: config.scayle.jwksUrl ?? scayle.jwksUrl,
      timeoutMs: config.scayle.timeoutMs,
      ...(overrides.dispatcher ? { dispatcher: overrides.dispatcher } : {}),
    });
    const service = createSessionService({
      store,
      crypto: createSessionCrypto(config.session.encryptionKeys),
      idleTtlMs: config.session.idleTtlSeconds * 1000,
      absoluteTtlMs: config.session.absoluteTtlSeconds * 1000,
      ...(overrides.now ? { now: overrides.now } : {}),
      onUnreadableRecord: () => app.log.warn('a session record could not be decrypted (key removed from SESSION_ENCRYPTION_KEYS?)'),
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
        failed: (reason) => metrics.refreshFailures.inc({ reason }),
        lockWait: (ms) => metrics.refreshLockWait.observe(ms / 1000),
      },
    });

    app.decorate('config', config);
    app.decorate('scayle', scayle);
    app.decorate('verifier', verifier);
    app.decorate('sessions', sessions);
    app.decorate('refresher', refresher);
    app.decorate('redis', redis);
    app.decorate('registrations', createRegistrationGuard(store));

    app.addHook('onClose', async () => {
      await scayle.close();
      if (!overrides.store) await rawStore.close();
      if (ownsRedis && redis) await closeRedis(redis);
    });
  },
  { name: 'dependencies', dependencies: ['metrics'] },
);
