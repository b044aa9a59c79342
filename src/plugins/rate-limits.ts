// Rate limits on the routes that take credentials or send e-mail: one budget per client IP and a
// separate, smaller one per normalised e-mail address, shared across instances through Redis when it is
// configured. A limiter whose store fails lets the request through (fail open): Redis being down already
// fails session routes closed, and an outage must not lock every customer out of logging in.
import { createHash } from 'node:crypto';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandlers for a credential route: per-IP and per-e-mail budgets, named by `group`. */
    credentialLimits(group: string): preHandlerAsyncHookHandler[];
  }
}

export const rateLimitsPlugin = fp(
  async (app: FastifyInstance) => {
    const { config } = app;
    await app.register(rateLimit, {
      global: false,
      ...(app.redis ? { redis: app.redis, nameSpace: `${config.redis?.keyPrefix ?? 'bff:'}rl:` } : {}),
      skipOnError: true,
    });

    const emailOf = (request: FastifyRequest): string | undefined => {
      const body = request.body as { email?: unknown } | undefined;
      return typeof body?.email === 'string' ? body.email : undefined;
    };

    // Built on createRateLimit, not app.rateLimit(): the handlers app.rateLimit() returns cannot be
    // stacked (the first marks the request as checked and the second returns at once, so the e-mail
    // budget never ran), and they read `groupId` from the route's config only, so every group shared one
    // per-IP budget. Here each budget is a plain check whose key names its group.
    const budget = (
      max: number,
      keyOf: (request: FastifyRequest) => string | undefined,
      denied: { inc(): void },
    ): preHandlerAsyncHookHandler => {
      const check = app.createRateLimit({
        max,
        timeWindow: 60_000,
        keyGenerator: (request) => keyOf(request) ?? '',
        allowList: (request) => keyOf(request) === undefined,
      });
      return async (request) => {
        const result = await check(request);
        // A store failure reads as "not exceeded" (skipOnError): fail open, see the header.
        if (result.isAllowed || !result.isExceeded) return;
        denied.inc();
        throw new AppError('RATE_LIMITED', { headers: { 'retry-after': String(Math.max(1, result.ttlInSeconds)) } });
      };
    };

    app.decorate('credentialLimits', (group: string) => {
      // Counted by group and budget only: the limiter's key holds the IP or the e-mail hash.
      const ipDenied = app.metrics.rateLimited.labels(group, 'ip');
      const emailDenied = app.metrics.rateLimited.labels(group, 'email');
      return [
        budget(config.rateLimit.ipPerMinute, (request) => `${group}:ip:${normalizeIP(request.ip)}`, ipDenied),
        // Requests without an e-mail have only the IP budget. The address is hashed: keys are not a mailing list.
        budget(
          config.rateLimit.emailPerMinute,
          (request) => {
            const email = emailOf(request);
            return email === undefined
              ? undefined
              : `${group}:email:${createHash('sha256').update(email).digest('base64url').slice(0, 22)}`;
          },
          emailDenied,
        ),
        ...clientKeyBudget(),
      ];
    });

    // --- issue 16: per-client-key budget for token-mode (mobile) clients ---
    // One budget per x-client-key across every credential route, so one misbehaving app build can be
    // throttled without touching the web shop or other builds. Cookie-mode and unknown keys skip it.
    const tokenKeys = new Set([...config.clientKeys].filter(([, mode]) => mode === 'token').map(([key]) => key));
    const clientKeyCheck = budget(
      config.rateLimit.clientKeyPerMinute,
      (request) => {
        const key = request.headers['x-client-key'];
        return typeof key === 'string' && tokenKeys.has(key) ? `client:${key}` : undefined;
      },
      // Label by budget only: the client key is configuration, but labels stay a fixed, small set.
      app.metrics.rateLimited.labels('all', 'client_key'),
    );
    function clientKeyBudget(): preHandlerAsyncHookHandler[] {
      return tokenKeys.size === 0 ? [] : [clientKeyCheck];
    }
    // --- end issue 16 ---
  },
  { name: 'rate-limits', dependencies: ['dependencies', 'metrics'] },
);
