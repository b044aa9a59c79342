// Liveness and readiness. Live says only that the process answers; ready says whether it can serve
// sessions (store reachable) and reach SCAYLE (JWKS answers), probed at most every few seconds so a
// load balancer's polling never becomes load on Redis or SCAYLE.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

const PROBE_CACHE_MS = 2_000;
const readyResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ store: z.enum(['ok', 'failing']), upstream: z.enum(['ok', 'failing']) }),
});

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  let cached: { at: number; value: z.infer<typeof readyResponse> } | undefined;

  routes.get('/health/live', { schema: { summary: 'Process liveness', response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  routes.get('/health/ready', { schema: { summary: 'Store and upstream reachability', response: { 200: readyResponse, 503: readyResponse } } }, async (_request, reply) => {
    if (!cached || Date.now() - cached.at > PROBE_CACHE_MS) {
      const [store, upstream] = await Promise.all([
        app.sessions.store.ping().then(ok, failing),
        app.verifier.probe().then(ok, failing),
      ]);
      cached = { at: Date.now(), value: { status: store === 'ok' && upstream === 'ok' ? 'ok' : 'unavailable', checks: { store, upstream } } };
    }
    reply.header('cache-control', 'no-store');
    return reply.code(cached.value.status === 'ok' ? 200 : 503).send(cached.value);
  });
}

const ok = () => 'ok' as const;
const failing = () => 'failing' as const;
