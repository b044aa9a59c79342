// Load shedding with SHOPS_FILE: one event-loop sampler for the process (@fastify/under-pressure registered
// once, on the root; counted through a wrapper), read by each shop's shedding hook. Under pressure
// a route of either shop (by host and by path prefix) answers 503 with retry-after, still with its x-request-id
// and its own shop's CORS headers; health answers; both shops recover.
import type * as UnderPressure from '@fastify/under-pressure';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { blockEventLoop } from '../helpers/event-loop.js';
import { eventually } from '../helpers/eventually.js';
import { Browser } from '../helpers/http.js';
import { browserFor, startShopsStack, type ShopsStack } from '../helpers/shops-stack.js';

const THRESHOLD_MS = 10;
const A = 'a.shop.test';
const ORIGIN_A = 'https://a.shop.test';
const ORIGIN_B = 'https://b.shop.test';

const samplers = vi.hoisted(() => ({ registered: 0 }));
vi.mock('@fastify/under-pressure', async (importOriginal) => {
  const actual = await importOriginal<typeof UnderPressure>();
  const plugin = actual.default;
  // The same plugin (its fastify-plugin marks copied, so it still decorates the context it is registered in), counted.
  const counted = Object.assign((app: Parameters<typeof plugin>[0], options: Parameters<typeof plugin>[1]) => {
    samplers.registered += 1;
    return plugin(app, options);
  }, plugin);
  return { ...actual, default: counted };
});

let stack: ShopsStack;
beforeAll(async () => {
  stack = await startShopsStack(
    [
      { id: 'a', hosts: [A], variables: { ALLOWED_ORIGINS: ORIGIN_A } },
      { id: 'b', pathPrefix: '/b', variables: { ALLOWED_ORIGINS: ORIGIN_B } },
    ],
    { MAX_EVENT_LOOP_DELAY_MS: String(THRESHOLD_MS) },
  );
});
afterAll(async () => {
  await stack?.close();
});

describe('load shedding with several shops', () => {
  it('samples the event loop once for the process', () => {
    expect(samplers.registered).toBe(1);
  });

  it("sheds each shop's routes from the root's one sampler, with the shop's request id and CORS headers", async () => {
    // One 2 s stall dominates any one-second sample it lands in (mean delay ≥ ~20 ms ≫ threshold).
    blockEventLoop(2_000);
    // The root's sampler: with shops it lives there, not in a shop's context.
    await eventually(() => stack.app.shedReason() !== undefined, 'the sampler to see the stall', 3_000, 10);

    const [shedA, shedB, live] = await Promise.all([
      browserFor(stack.url, A).get('/auth/session', { headers: { origin: ORIGIN_A, 'x-request-id': 'shed-a' } }),
      new Browser(stack.url).get('/b/auth/session', { headers: { origin: ORIGIN_B, 'x-request-id': 'shed-b' } }),
      new Browser(stack.url).get('/health/live'),
    ]);
    for (const [shed, id, origin] of [
      [shedA, 'shed-a', ORIGIN_A],
      [shedB, 'shed-b', ORIGIN_B],
    ] as const) {
      expect(shed.status, id).toBe(503);
      expect(shed.headers['retry-after']).toBe('2');
      expect(shed.headers['x-request-id']).toBe(id);
      expect(shed.headers['access-control-allow-origin']).toBe(origin);
      expect(shed.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', request_id: id });
    }
    expect(live.status).toBe(200);

    await eventually(() => stack.app.shedReason() === undefined, 'the pressure to pass', 5_000, 10);
    expect((await browserFor(stack.url, A).get('/auth/session')).status).toBe(401);
    expect((await new Browser(stack.url).get('/b/auth/session')).status).toBe(401);
    const scraped = (await new Browser(stack.url).get('/metrics')).text;
    expect(scraped).toMatch(/^http_requests_shed_total\{reason="eventLoopDelay"\} [2-9]/m);
    for (const shop of ['a', 'b']) {
      expect(scraped).toMatch(
        new RegExp(`^http_requests_total\\{method="GET",route="[^"]*/auth/session",status_code="503",shop="${shop}"\\} 1$`, 'm'),
      );
    }
  });
});
