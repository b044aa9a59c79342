// Liveness and readiness. Live says only that the process answers; ready says whether it can serve
// sessions (store reachable) and reach SCAYLE (JWKS answers), probed at most every few seconds so a
// load balancer's polling never becomes load on Redis or SCAYLE. Neither is ever shed under load: a probe
// must see the process as it is, not a 503 that would make an orchestrator restart a busy instance.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problems } from '../../http/schemas.js';
import { NEVER_SHED } from '../../plugins/load-shedding.js';

const PROBE_CACHE_MS = 2_000;
const check = z.enum(['ok', 'failing']);
const readyResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({
    store: check.describe('Session store (Redis) answers a ping'),
    upstream: check.describe("SCAYLE's JWKS endpoint answers"),
  }),
});

/** What readiness probes; by default this context's session store and SCAYLE's JWKS. */
export interface HealthOptions {
  /** issue 18 part 3: with SHOPS_FILE the root probes every shop (src/shops/shop-routing.ts). */
  checks?: { store(): Promise<unknown>; upstream(): Promise<unknown> };
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions = {}): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const checks = options.checks ?? { store: () => app.sessions.store.ping(), upstream: () => app.verifier.probe() };
  type Ready = z.infer<typeof readyResponse>;
  let cached: { at: number; value: Ready } | undefined;
  let probing: Promise<Ready> | undefined;

  // One probe at a time: a burst of polls when the cache expires shares it.
  const probe = async (): Promise<Ready> => {
    const [store, upstream] = await Promise.all([checks.store().then(ok, failing), checks.upstream().then(ok, failing)]);
    const value: Ready = { status: store === 'ok' && upstream === 'ok' ? 'ok' : 'unavailable', checks: { store, upstream } };
    cached = { at: Date.now(), value };
    return value;
  };

  routes.get(
    '/health/live',
    {
      schema: {
        summary: 'Process liveness',
        operationId: 'health',
        response: { 200: z.object({ status: z.literal('ok') }), ...problems(400) },
      },
      config: NEVER_SHED,
    },
    async () => ({ status: 'ok' as const }),
  );

  const ready = {
    summary: 'Store and upstream reachability',
    operationId: 'ready',
    description: `503 names the failing part in \`checks\`; probed at most every ${PROBE_CACHE_MS / 1000} s.`,
    response: { 200: readyResponse.describe('Ready'), 503: readyResponse.describe('Not ready'), ...problems(400) },
  };
  routes.get('/health/ready', { schema: ready, config: NEVER_SHED }, async (_request, reply) => {
    let value = cached !== undefined && Date.now() - cached.at <= PROBE_CACHE_MS ? cached.value : undefined;
    if (value === undefined) {
      probing ??= probe().finally(() => (probing = undefined));
      value = await probing;
    }
    reply.header('cache-control', 'no-store');
    return reply.code(value.status === 'ok' ? 200 : 503).send(value);
  });
}

const ok = () => 'ok' as const;
const failing = () => 'failing' as const;
