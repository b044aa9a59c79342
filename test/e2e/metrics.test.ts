// GET /metrics after real traffic: request counts by route pattern, upstream calls by operation and
// outcome, refreshes, store errors and rate-limit denials, each with the expected labels and values, and
// not one e-mail, token or session id anywhere in the exposition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { StoreUnavailableError, type SessionStore } from '../../src/sessions/store.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

type Labels = Record<string, string>;

/** Parses the text exposition into samples; enough of the format for assertions. */
function parse(text: string): Array<{ name: string; labels: Labels; value: number }> {
  const samples = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Labels = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(stack: Stack): Promise<{ text: string; value: (name: string, labels?: Labels) => number }> {
  const res = await new Browser(stack.url).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = parse(res.text);
  const value = (name: string, labels: Labels = {}): number => {
    const matches = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    return matches.reduce((sum, s) => sum + s.value, 0);
  };
  return { text: res.text, value };
}

describe('metrics after a login, a refresh and failing upstream calls', () => {
  let stack: Stack;
  const secrets: string[] = [];

  beforeAll(async () => {
    // 20 s access tokens: always inside the 30 s window, so POST /auth/token refreshes.
    stack = await startStack({ emulator: { accessTokenTtlSeconds: 20 } });
    const email = uniqueEmail('metrics');
    const password = 'metrics password 1';
    const browser = new Browser(stack.url);
    secrets.push(email, password);

    const registered = await browser.post('/auth/register', { gender: 'f', first_name: 'Me', last_name: 'Trics', email, password });
    expect(registered.status).toBe(201);
    const login = await browser.post('/auth/login', { email, password });
    expect(login.status).toBe(200);
    secrets.push(login.body.access_token, ...browser.cookies.values());

    const refreshed = await browser.post('/auth/token');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(login.body.access_token);
    secrets.push(refreshed.body.access_token);

    const sessions = await browser.get('/auth/sessions');
    expect(sessions.status).toBe(200);
    secrets.push(...sessions.body.map((s: { id: string }) => s.id));

    stack.emulator.faults.add({ endpoint: 'token.refresh', status: 500, times: 1 });
    expect((await browser.post('/auth/token')).status).toBe(502);

    stack.emulator.faults.add({ endpoint: 'login', status: 500, times: 1 });
    expect((await new Browser(stack.url).post('/auth/login', { email, password })).status).toBe(502);

    expect((await browser.get(`/no/such/route/${encodeURIComponent(email)}`)).status).toBe(404);
  });
  afterAll(async () => {
    await stack.close();
  });

  it('counts requests by method, route pattern and status, with durations', async () => {
    const { value } = await scrape(stack);
    expect(value('http_requests_total', { method: 'POST', route: '/auth/login', status_code: '200' })).toBe(1);
    expect(value('http_requests_total', { method: 'POST', route: '/auth/login', status_code: '502' })).toBe(1);
    expect(value('http_requests_total', { method: 'POST', route: '/auth/register', status_code: '201' })).toBe(1);
    expect(value('http_requests_total', { method: 'POST', route: '/auth/token', status_code: '200' })).toBe(1);
    expect(value('http_requests_total', { method: 'POST', route: '/auth/token', status_code: '502' })).toBe(1);
    expect(value('http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(value('http_request_duration_seconds_count', { method: 'POST', route: '/auth/login', status_code: '200' })).toBe(1);
    expect(value('http_request_duration_seconds_sum', { method: 'POST', route: '/auth/login', status_code: '200' })).toBeGreaterThan(0);
  });

  it('counts upstream calls by operation and outcome, with latency', async () => {
    const { value } = await scrape(stack);
    expect(value('upstream_requests_total', { operation: 'register', outcome: '2xx' })).toBe(1);
    expect(value('upstream_requests_total', { operation: 'login', outcome: '2xx' })).toBe(1);
    expect(value('upstream_requests_total', { operation: 'login', outcome: '5xx' })).toBe(1);
    expect(value('upstream_requests_total', { operation: 'refresh', outcome: '2xx' })).toBe(1);
    expect(value('upstream_requests_total', { operation: 'refresh', outcome: '5xx' })).toBe(1);
    expect(value('upstream_request_duration_seconds_count', { operation: 'login', outcome: '5xx' })).toBe(1);
  });

  it('counts refreshes, their failures by reason, sessions created and store latency', async () => {
    const { value } = await scrape(stack);
    expect(value('session_refreshes_started_total', { shop: 'default' })).toBe(2);
    expect(value('session_refresh_failures_total', { reason: 'upstream_bad_response', shop: 'default' })).toBe(1);
    expect(value('session_refresh_failures_total')).toBe(1);
    // Registration and login each create a session (the login replaces the registration's).
    expect(value('sessions_created_total', { client_mode: 'cookie', shop: 'default' })).toBe(2);
    expect(value('session_store_operation_duration_seconds_count', { operation: 'create', shop: 'default' })).toBe(2);
    expect(value('session_store_errors_total')).toBe(0);
    // Default process metrics are on the app's registry too.
    expect(value('process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('never exposes e-mails, passwords, tokens, session ids or raw URLs', async () => {
    const { text } = await scrape(stack);
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain('@example.test');
    expect(text).not.toContain('/no/such/route');
  });
});

describe('metrics of failures outside the upstream', () => {
  let stack: Stack;
  let storeDown = false;

  beforeAll(async () => {
    const memory = createMemoryStore({ maxEntries: 100 });
    const store: SessionStore = {
      ...memory,
      get: (sid) => (storeDown ? Promise.reject(new StoreUnavailableError('store down (test)')) : memory.get(sid)),
    };
    stack = await startStack({ memory: true, env: { RATE_LIMIT_IP_PER_MINUTE: '2' }, overrides: { store } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('counts session store errors by operation', async () => {
    const browser = new Browser(stack.url);
    expect(
      (await browser.post('/auth/login/guest', { gender: 'd', first_name: 'S', last_name: 'D', email: uniqueEmail('store') })).status,
    ).toBe(200);
    storeDown = true;
    try {
      const res = await browser.get('/auth/session');
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('SESSION_STORE_UNAVAILABLE');
    } finally {
      storeDown = false;
    }
    const { value } = await scrape(stack);
    expect(value('session_store_errors_total', { operation: 'get', shop: 'default' })).toBe(1);
    expect(value('http_requests_total', { method: 'GET', route: '/auth/session', status_code: '503' })).toBe(1);
  });

  it('counts rate-limit denials by route group and budget', async () => {
    const guest = () => ({ gender: 'd', first_name: 'R', last_name: 'L', email: uniqueEmail('rl') });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await new Browser(stack.url).post('/auth/login/guest', guest())).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    const { value } = await scrape(stack);
    expect(value('rate_limit_denials_total', { group: 'guest', budget: 'ip' })).toBe(statuses.filter((s) => s === 429).length);
  });
});
