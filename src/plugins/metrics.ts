// Prometheus metrics: `app.metrics` for the other plugins to feed, request counts and latencies by route
// pattern for every response, and GET /metrics in the text exposition format. The endpoint is hidden from
// the OpenAPI document and never shed: it is how operators see the pressure.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createMetrics, DEFAULT_SHOP, type Metrics } from '../metrics/metrics.js';
import { NEVER_SHED } from './load-shedding.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
  interface FastifyContextConfig {
    /** issue 18 part 3: the shop a route belongs to (set by src/shops/shop-scope.ts with SHOPS_FILE). */
    shop?: string;
  }
}

export interface MetricsOptions {
  /** issue 18 part 3: SHOPS_FILE is set; routes carry their shop (config.shop), others are "none". */
  shops?: boolean;
}

const UNMATCHED = 'unmatched';
/** The `shop` label, with SHOPS_FILE, of what no shop owns: health, metrics, unclaimed requests. */
const NO_SHOP = 'none';

export const metricsPlugin = fp(
  async (app: FastifyInstance, { shops = false }: MetricsOptions) => {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);

    // Label children cached per method, route and status: prom-client hashes a label object on every
    // inc/observe otherwise (bench/RESULTS.md §8). Bounded: routes and statuses are finite.
    const children = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL: ids in paths must not become label values.
      const options = request.routeOptions;
      const route = options.url ?? UNMATCHED;
      // One shop: a constant label and today's cache key, so the single-shop path costs what it did.
      const shop = shops ? (options.config.shop ?? NO_SHOP) : DEFAULT_SHOP;
      const key = shops ? `${request.method} ${route} ${reply.statusCode} ${shop}` : `${request.method} ${route} ${reply.statusCode}`;
      let child = children.get(key);
      if (!child) {
        const labels = { method: request.method, route, status_code: reply.statusCode, shop };
        child = { count: metrics.httpRequests.labels(labels), duration: metrics.httpDuration.labels(labels) };
        children.set(key, child);
      }
      child.count.inc();
      child.duration.observe(reply.elapsedTime / 1000);
    });

    app.get('/metrics', { schema: { hide: true }, config: NEVER_SHED }, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(body);
    });
  },
  { name: 'metrics' },
);
