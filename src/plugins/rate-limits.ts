// Rate limits on the routes that take credentials or send e-mail: one budget per client IP and a
// separate, smaller one per normalised e-mail address, shared across instances through Redis when it is
// configured. A limiter whose store fails lets the request through (fail open): Redis being down already
// fails session routes closed, and an outage must not lock every customer out of logging in.
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
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
      errorResponseBuilder: (_request, context) =>
        new AppError('RATE_LIMITED', { headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) } }),
    });

    const emailOf = (request: FastifyRequest): string | undefined => {
      const body = request.body as { email?: unknown } | undefined;
      return typeof body?.email === 'string' ? body.email : undefined;
    };

    app.decorate('credentialLimits', (group: string) => [
      app.rateLimit({ max: config.rateLimit.ipPerMinute, timeWindow: 60_000, groupId: `${group}:ip` }),
      app.rateLimit({
        max: config.rateLimit.emailPerMinute,
        timeWindow: 60_000,
        groupId: `${group}:email`,
        // Requests without an e-mail have only the IP budget. The address is hashed: keys are not a mailing list.
        allowList: (request) => emailOf(request) === undefined,
        keyGenerator: (request) => `email:${createHash('sha256').update(emailOf(request) ?? '').digest('base64url').slice(0, 22)}`,
      }),
    ]);
  },
  { name: 'rate-limits', dependencies: ['dependencies'] },
);
