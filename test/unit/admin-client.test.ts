// The Admin API client (issue 17 §4) against a MockAgent: the customer update's shape (path, token header,
// mapped body), which answers are retryable AppErrors and which are permanent, and transport failures
// mapped by the Auth API client's own rules (shared src/upstream/http.ts).
import { MockAgent } from 'undici';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createAdminClient, PermanentAdminError, type AdminClient } from '../../src/enrichment/admin-client.js';
import { AppError } from '../../src/errors.js';

const ORIGIN = 'https://acme-live.admin.api.scayle.cloud';
const PATH = '/api/admin/v1/shops/acme/countries/DE/customers/42';
let agent: MockAgent;
let client: AdminClient;

beforeEach(() => {
  agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  client = createAdminClient({
    baseUrl: `${ORIGIN}/api/admin/v1`,
    token: 'admin-token-0123',
    shopKey: 'acme',
    countryCode: 'DE',
    dispatcher: agent,
    logger: { warn: vi.fn(), error: vi.fn() },
  });
});
afterEach(async () => {
  await client.close();
  await agent.close();
});

it('PATCHes the customer with the access token and the mapped attributes', async () => {
  agent.get(ORIGIN).intercept({ path: PATH, method: 'PATCH' }).reply(200, { id: 42 });
  await client.updateCustomer('42', { birth_date: '1990-01-01', phone: '+49' }, 'req-1');
  const call = agent.getCallHistory()!.lastCall()!;
  expect(call.headers).toMatchObject({ 'x-access-token': 'admin-token-0123', 'x-request-id': 'req-1', 'content-type': 'application/json' });
  expect(call.headers).not.toHaveProperty('authorization');
  expect(JSON.parse(String(call.body))).toEqual({ birthDate: '1990-01-01', phone: '+49' });
});

it.each([400, 401, 404, 422])('treats %i as permanent (no retry can mend it)', async (status) => {
  agent
    .get(ORIGIN)
    .intercept({ path: PATH, method: 'PATCH' })
    .reply(status, { errors: [{ code: 'X', message: '+49 quoted' }] });
  const error = await client.updateCustomer('42', { phone: '+49' }, 'r').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PermanentAdminError);
  expect(String((error as Error).message)).not.toContain('+49');
});

it.each([408, 429, 500, 502, 503])('treats %i as retryable', async (status) => {
  agent.get(ORIGIN).intercept({ path: PATH, method: 'PATCH' }).reply(status, '');
  const error = await client.updateCustomer('42', { phone: '+49' }, 'r').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect(error).not.toBeInstanceOf(PermanentAdminError);
});

it('maps a refused connection like the Auth API client does (503), without replaying the PATCH', async () => {
  agent
    .get(ORIGIN)
    .intercept({ path: PATH, method: 'PATCH' })
    .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  const error = await client.updateCustomer('42', { phone: '+49' }, 'r').catch((e: unknown) => e);
  expect((error as AppError).code).toBe('UPSTREAM_UNAVAILABLE');
  expect(agent.getCallHistory()!.calls()).toHaveLength(1);
});

// issue 18 part 4: ADMIN_API_TOKEN_FILE reloads: a token given as a function is read per call.
it('reads a token given as a function on every call (a reloaded token applies to the next call)', async () => {
  let token = 'admin-token-old';
  const live = createAdminClient({
    baseUrl: `${ORIGIN}/api/admin/v1`,
    token: () => token,
    shopKey: 'acme',
    countryCode: 'DE',
    dispatcher: agent,
    logger: { warn: vi.fn(), error: vi.fn() },
  });
  agent.get(ORIGIN).intercept({ path: PATH, method: 'PATCH' }).reply(200, { id: 42 }).times(2);
  await live.updateCustomer('42', { phone: '+49' }, 'req-1');
  expect(agent.getCallHistory()!.lastCall()!.headers).toMatchObject({ 'x-access-token': 'admin-token-old' });
  token = 'admin-token-new';
  await live.updateCustomer('42', { phone: '+49' }, 'req-2');
  expect(agent.getCallHistory()!.lastCall()!.headers).toMatchObject({ 'x-access-token': 'admin-token-new' });
  await live.close();
});
