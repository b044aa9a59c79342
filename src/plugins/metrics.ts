// Prometheus metrics: `app.metrics` for the other plugins to feed, request counts and latencies by route
// pattern for every response, and GET /metrics in the text exposition format. The endpoint is hidden from
// the OpenAPI document and never shed: it is how operators see the pressure.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { observeRoute, observeUnmatched } from '../http/route-hooks.js';
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

    // Label children cached per route, method and status: prom-client hashes a label object on every
    // inc/observe otherwise (bench/RESULTS.md §8). Bounded: routes and statuses are finite.
    type Child = { count: { inc(): void }; duration: { observe(v: number): void } };
    // `shopOf` is asked at the first answer: a shop's own onRoute hook labels the route after this one ran.
    const observer = (route: string, shopOf: () => string | undefined) => {
      let shop: string | undefined;
      // By method, then status: no key string built per request.
      const children = new Map<string, Map<number, Child>>();
      return (request: FastifyRequest, reply: FastifyReply): void => {
        const { method } = request;
        const status = reply.statusCode;
        let byStatus = children.get(method);
        if (!byStatus) children.set(method, (byStatus = new Map<number, Child>()));
        let child = byStatus.get(status);
        if (!child) {
          shop ??= shops ? (shopOf() ?? NO_SHOP) : DEFAULT_SHOP;
          const labels = { method, route, status_code: status, shop };
          child = { count: metrics.httpRequests.labels(labels), duration: metrics.httpDuration.labels(labels) };
          byStatus.set(status, child);
        }
        child.count.inc();
        child.duration.observe(reply.elapsedTime / 1000);
      };
    };
    // A matched route counts under its pattern (never the raw URL: ids in paths must not become label
    // values), from a hook made with the route: no `request.routeOptions` object per request (issue 20).
    app.addHook('onRoute', (route) => {
      observeRoute(
        route,
        observer(route.url, () => route.config?.shop),
      );
    });
    observeUnmatched(
      app,
      observer(UNMATCHED, () => undefined),
    );

    app.get('/metrics', { schema: { hide: true }, config: NEVER_SHED }, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(body);
    });
  },
  { name: 'metrics' },
);
