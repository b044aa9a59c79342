// One access-log line per request ("request completed" with route, status and time) instead of Fastify's
// two. Built from whitelisted fields only, so it skips the redaction walk that every other line pays.
// The hot routes (config `hotPath`: GET /auth/session, POST /auth/token, asked on every page a storefront
// renders) log only their failures by default (ACCESS_LOG_HOT_ROUTES=failures): a line per page view is
// about a sixth of such a request's CPU (bench/RESULTS.md, "What request logging costs") and mostly noise;
// their counts and latencies are in /metrics either way, and `all` brings the lines back.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { observeRoute, observeUnmatched } from '../http/route-hooks.js';
import { pathOnly } from '../logger.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** issue 20: a hot route; with ACCESS_LOG_HOT_ROUTES=failures only its answers of 400 and above are logged. */
    hotPath?: boolean;
  }
}

export interface AccessLogOptions {
  hotRoutes: 'all' | 'failures';
}

export const accessLogPlugin = fp(
  async (app: FastifyInstance, { hotRoutes }: AccessLogOptions) => {
    const accessLog = app.log.child({}, { redact: [] });
    const write = (request: FastifyRequest, reply: FastifyReply, route: string): void => {
      accessLog.info(
        {
          reqId: request.id,
          method: request.method,
          route,
          statusCode: reply.statusCode,
          responseTime: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
    };
    // A matched route logs its pattern, known when the route is made (issue 20).
    app.addHook('onRoute', (route) => {
      const pattern = route.url;
      if (hotRoutes === 'failures' && route.config?.hotPath === true) {
        observeRoute(route, (request, reply) => {
          if (reply.statusCode >= 400) write(request, reply, pattern);
        });
      } else {
        observeRoute(route, (request, reply) => write(request, reply, pattern));
      }
    });
    // Requests no route matched (404, 405) log their path, never the query string.
    observeUnmatched(app, (request, reply) => write(request, reply, pathOnly(request.url)));
    // The root logger writes asynchronously (logger.ts): hand it the last lines before the process ends.
    app.addHook('onClose', async () => {
      (app.log as unknown as Logger).flush();
    });
  },
  { name: 'access-log' },
);
