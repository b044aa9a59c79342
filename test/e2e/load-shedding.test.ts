// Load shedding: with a tiny event-loop-delay threshold and the loop blocked for two seconds, requests get
// 503 SERVICE_UNAVAILABLE problem+json with retry-after while health and metrics still answer, and
// service resumes once the pressure is gone. The service runs in this process, so blocking it is exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockEventLoop } from '../helpers/event-loop.js';
import { eventually } from '../helpers/eventually.js';
import { Browser } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

const THRESHOLD_MS = 10;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ memory: true, env: { MAX_EVENT_LOOP_DELAY_MS: String(THRESHOLD_MS) } });
});
afterAll(async () => {
  await stack.close();
});

describe('load shedding', () => {
  it('sheds ordinary requests under pressure, keeps health and metrics, and recovers', async () => {
    // One 2 s stall dominates any one-second sample it lands in (mean delay ≥ ~20 ms ≫ threshold).
    blockEventLoop(2_000);
    await eventually(() => stack.app.memoryUsage().eventLoopDelay > THRESHOLD_MS, 'the sampler to see the stall', 3_000, 10);

    const browser = new Browser(stack.url);
    const [shed, live, ready, metrics] = await Promise.all([
      browser.get('/auth/session', { headers: { 'x-request-id': 'shed-check-1' } }),
      browser.get('/health/live'),
      browser.get('/health/ready'),
      browser.get('/metrics'),
    ]);
    expect(shed.status).toBe(503);
    expect(shed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(shed.headers['retry-after']).toBe('2');
    expect(shed.headers['x-request-id']).toBe('shed-check-1');
    expect(shed.body).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', request_id: 'shed-check-1' });
    expect(live.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(metrics.status).toBe(200);

    await eventually(() => stack.app.shedReason() === undefined, 'the pressure to pass', 5_000, 10);
    const after = await browser.get('/auth/session');
    expect(after.status).toBe(401);
    const scraped = await browser.get('/metrics');
    expect(scraped.text).toMatch(/^http_requests_shed_total\{reason="eventLoopDelay"\} [1-9]/m);
    expect(scraped.text).toMatch(/^http_requests_total\{method="GET",route="\/auth\/session",status_code="503",shop="default"\} 1$/m);
  });
});
