// issue 15: wires session-ending.ts (bulk ending, the per-customer limit) and per-key rate limits for
// routes whose key is only known inside the handler (a session, an account). Registered after the
// dependencies and rate-limit plugins (app.ts), whose decorators it uses.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import { createSessionEnding, type SessionEnding } from '../sessions/session-ending.js';
import { createUpstreamRevoker } from '../sessions/upstream-revocation.js';

/** Charges one request against the budget of `key`; throws 429 RATE_LIMITED with retry-after when spent. */
export type KeyedLimit = (request: FastifyRequest, key: string) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    sessionEnding: SessionEnding;
    /** A per-key budget of `max` requests a minute, counted as `rate_limit_denials_total{group,budget,shop}`. */
    keyedLimit(group: string, budget: string, max: number): KeyedLimit;
  }
}

export const sessionEndingPlugin = fp(
  async (app: FastifyInstance) => {
    const { metrics } = app;
    const ended = (reason: string, count: number) => metrics.sessionsEnded.inc({ reason, shop: app.shopId }, count);
    app.decorate(
      'sessionEnding',
      createSessionEnding({
        sessions: app.sessions,
        revoke: createUpstreamRevoker({
          scayle: app.scayle,
          jtiOf: async (token) => (await app.verifier.verify(token)).jti,
          now: app.sessions.now,
        }),
        onEnded: ended,
        onRevokeFailed: (error) => app.log.warn({ err: error }, 'upstream revocation of an ended session failed; it is gone locally'),
      }),
    );

    const keys = new WeakMap<FastifyRequest, string>();
    app.decorate('keyedLimit', (group: string, budget: string, max: number): KeyedLimit => {
      const check = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (request) => keys.get(request) ?? '' });
      const denied = metrics.rateLimited.labels({ group, budget, shop: app.shopId });
      return async (request, key) => {
        // Hashed: limiter keys must not hold session ids or customer ids in the clear.
        keys.set(request, `${group}:${budget}:${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`);
        const result = await check(request);
        if (result.isAllowed || !result.isExceeded) return;
        denied.inc();
        throw new AppError('RATE_LIMITED', { headers: { 'retry-after': String(Math.max(1, result.ttlInSeconds)) } });
      };
    });
  },
  { name: 'session-ending' },
);
