// Traces (issue 19 part 4), exported to an in-memory exporter during a register, login, refresh and
// logout: one trace per request with the route, the SCAYLE call and the Redis commands; traceparent sent
// upstream beside x-request-id; an incoming traceparent continued; log lines carrying trace_id; and not
// one token, password, cookie, session id or e-mail anywhere in the spans (as the log test scans logs).
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tracing } from '@opentelemetry/sdk-node';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Telemetry } from '../../src/telemetry/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import type { Stack } from '../helpers/stack.js';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail } from '../helpers/http.js';

const exporter = new tracing.InMemorySpanExporter();
let telemetry: Telemetry;
let emulator: Emulator;
let stack: Stack;
let upstream: Server;
/** Headers of every request the service sent towards SCAYLE, by path. */
const seenUpstream: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
const INCOMING_TRACE = '0af7651916cd43dd8448eb211c80319c';

/** Between the service and the emulator: records what SCAYLE would receive, passes everything on. */
function recordingProxy(target: string): Promise<string> {
  upstream = createServer((req, res) => {
    seenUpstream.push({ path: req.url ?? '', headers: req.headers });
    const { host: _host, ...headers } = req.headers;
    const forward = httpRequest(`${target}${req.url}`, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  return new Promise((resolve) =>
    upstream.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`)),
  );
}

const secrets: string[] = [];
const spans = () => exporter.getFinishedSpans();
const serverSpan = (name: string) => spans().find((s) => s.kind === SpanKind.SERVER && s.name === name);

beforeAll(async () => {
  // Telemetry first, then the app's modules: the SDK's hooks must see ioredis load (as in server.ts).
  const { startTelemetry } = await import('../../src/telemetry/index.js');
  telemetry = startTelemetry({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
  const { startStack, TEST_SECRETS } = await import('../helpers/stack.js');
  const { startEmulator } = await import('../../src/emulator/index.js');
  emulator = await startEmulator({ ...TEST_SECRETS, shopId: 7, accessTokenTtlSeconds: 20 });
  const proxy = await recordingProxy(emulator.url);
  stack = await startStack({
    sharedEmulator: emulator,
    env: { SCAYLE_AUTH_BASE_URL: proxy, OTEL_TRACES_EXPORTER: 'console' },
    overrides: { tracing: telemetry.overrides },
  });
  expect(stack.config.tracingEnabled).toBe(true);
  secrets.push(TEST_SECRETS.clientSecret, TEST_SECRETS.shopSecret, ...stack.config.session.encryptionKeys);

  const browser = new Browser(stack.url);
  const email = uniqueEmail('traces');
  const password = 'traced password 1';
  secrets.push(email, password);
  expect((await browser.post('/auth/register', { gender: 'f', first_name: 'Tra', last_name: 'Ces', email, password })).status).toBe(201);
  const traceparent = `00-${INCOMING_TRACE}-b7ad6b7169203331-01`;
  const login = await browser.post('/auth/login', { email, password }, { headers: { traceparent } });
  expect(login.status).toBe(200);
  secrets.push(...browser.cookies.values());
  expect((await browser.post('/auth/token')).status).toBe(200);
  expect((await browser.get('/auth/session?reset_hash=query-secret-in-the-url')).status).toBe(200);
  expect((await browser.post('/auth/logout')).status).toBe(204);
  await eventually(() => serverSpan('POST /auth/logout') !== undefined, 'the logout span');
  // Every token SCAYLE issued and every session id the store saw.
  secrets.push(...[...emulator.state.accessTokens.values()].map((r) => r.token), ...emulator.state.refreshTokens.keys());
  secrets.push('query-secret-in-the-url');
});
afterAll(async () => {
  await stack?.close();
  await emulator?.close();
  upstream?.close();
  await telemetry?.shutdown();
});

describe('traces', () => {
  it('gives a login one trace: the route, the SCAYLE call with traceparent beside x-request-id, and Redis commands', () => {
    const login = serverSpan('POST /auth/login')!;
    expect(login).toBeDefined();
    // The caller's traceparent is continued.
    expect(login.spanContext().traceId).toBe(INCOMING_TRACE);
    expect(login.attributes['http.route']).toBe('/auth/login');
    const inTrace = spans().filter((s) => s.spanContext().traceId === INCOMING_TRACE);
    const scayle = inTrace.find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).endsWith('/v1/auth/login'));
    expect(scayle).toBeDefined();
    expect(inTrace.some((s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis')).toBe(true);

    const call = seenUpstream.find((c) => c.path === '/v1/auth/login')!;
    expect(call.headers['x-request-id']).toBeTruthy();
    expect(call.headers.traceparent).toMatch(new RegExp(`^00-${INCOMING_TRACE}-${scayle!.spanContext().spanId}-01$`));
  });

  it('traces the refresh and the logout as their own requests', () => {
    for (const name of ['POST /auth/token', 'POST /auth/logout']) {
      const span = serverSpan(name)!;
      expect(span, name).toBeDefined();
      const own = spans().filter((s) => s.spanContext().traceId === span.spanContext().traceId);
      expect(own.some((s) => s.kind === SpanKind.CLIENT)).toBe(true);
    }
  });

  it('writes trace_id into the log lines of a traced request', () => {
    const login = serverSpan('POST /auth/login')!;
    const lines = stack.logs.filter((l) => l.includes(`"trace_id":"${INCOMING_TRACE}"`));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes(`"span_id":"`) && l.includes('/auth/login'))).toBe(true);
    expect(login.spanContext().traceId).toBe(INCOMING_TRACE);
  });

  it('puts no token, password, cookie, session id, e-mail or query string in any span', () => {
    const all = spans();
    expect(all.length).toBeGreaterThan(20);
    const text = JSON.stringify(
      all.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, links: s.links, status: s.status })),
    );
    for (const secret of secrets) expect(text).not.toContain(secret);
    // Session ids: the store's keys carry them, and no Redis span names a key.
    expect(text).not.toMatch(/\{s:/);
    expect(text).not.toMatch(/@example|@test/);
  });
});
