// Prometheus metrics: `app.metrics` for the other plugins to feed, request counts and latencies by route
// pattern for every response, and GET /metrics in the text exposition format. The endpoint is hidden from
// the OpenAPI document and never shed: it is how operators see the pressure.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { NEVER_SHED } from './load-shedding.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

const UNMATCHED = 'unmatched';

export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);

    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids in paths must not become label values.
      const labels = { method: request.method, route: request.routeOptions.url ?? UNMATCHED, status_code: reply.statusCode };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    });

    app.get('/metrics', { schema: { hide: true }, config: NEVER_SHED }, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(body);
    });
  },
  { name: 'metrics' },
);
