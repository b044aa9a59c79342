// Rate limits on the routes that take credentials or send e-mail: one budget per client IP and a
// separate, smaller one per normalised e-mail address, shared across instances through Redis when it is
// configured. While Redis is unreachable each instance counts the same budgets in a bounded in-process
// store (rate-limit/fallback-store.ts) and goes back to Redis when it answers: an outage must not remove
// the brute-force limits on login (the library's skipOnError would let every attempt through to SCAYLE).
import { createHash } from 'node:crypto';
import rateLimit, { normalizeIP, type CreateRateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { createFallbackStore, type Bucket, type BucketOption } from '../rate-limit/fallback-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandlers for a credential route: per-IP and per-e-mail budgets, named by `group`. */
    credentialLimits(group: string): preHandlerAsyncHookHandler[];
    /** The per-IP budget alone, named by `group` (the not-found handler's). */
    ipLimit(group: string): preHandlerAsyncHookHandler;
  }
}

export const rateLimitsPlugin = fp(
  async (app: FastifyInstance) => {
    const { config, metrics, shopId: shop } = app;
    metrics.rateLimitFallbackActive.set({ shop }, 0);
    const fallback = app.redis && {
      store: createFallbackStore({
        redis: app.redis,
        nameSpace: `${config.redis?.keyPrefix ?? 'bff:'}rl:`,
        onFallback: (bucket) => metrics.rateLimitFallback.inc({ ...bucket, shop }),
        onModeChange: (inProcess) => {
          metrics.rateLimitFallbackActive.set({ shop }, inProcess ? 1 : 0);
          if (inProcess) app.log.warn('redis unreachable: rate limits are counted per instance until it answers');
          else app.log.info('rate limits are counted in redis again');
        },
      }),
    };
    await app.register(rateLimit, {
      global: false,
      // Without Redis the library's LocalStore (bounded LRU) counts; neither store ever fails, so an
      // error here would be a bug: let it surface instead of skipping the limit.
      ...fallback,
      skipOnError: false,
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
      bucket: Bucket,
    ): preHandlerAsyncHookHandler => {
      const options: CreateRateLimitOptions & BucketOption = {
        max,
        timeWindow: 60_000,
        keyGenerator: (request) => keyOf(request) ?? '',
        allowList: (request) => keyOf(request) === undefined,
        bucket,
      };
      const check = app.createRateLimit(options);
      return async (request) => {
        const result = await check(request);
        if (result.isAllowed || !result.isExceeded) return;
        denied.inc();
        throw new AppError('RATE_LIMITED', { headers: { 'retry-after': String(Math.max(1, result.ttlInSeconds)) } });
      };
    };

    const ipKey = (group: string) => (request: FastifyRequest) => `${group}:ip:${normalizeIP(request.ip)}`;
    app.decorate('ipLimit', (group: string) =>
      budget(config.rateLimit.ipPerMinute, ipKey(group), metrics.rateLimited.labels({ group, budget: 'ip', shop }), {
        group,
        budget: 'ip',
      }),
    );

    app.decorate('credentialLimits', (group: string) => {
      // Counted by group and budget only: the limiter's key holds the IP or the e-mail hash.
      const ipDenied = metrics.rateLimited.labels({ group, budget: 'ip', shop });
      const emailDenied = metrics.rateLimited.labels({ group, budget: 'email', shop });
      return [
        budget(config.rateLimit.ipPerMinute, ipKey(group), ipDenied, { group, budget: 'ip' }),
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
          { group, budget: 'email' },
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
      metrics.rateLimited.labels({ group: 'all', budget: 'client_key', shop }),
      { group: 'all', budget: 'client_key' },
    );
    function clientKeyBudget(): preHandlerAsyncHookHandler[] {
      return tokenKeys.size === 0 ? [] : [clientKeyCheck];
    }
    // --- end issue 16 ---
  },
  { name: 'rate-limits', dependencies: ['store', 'metrics'] },
);
