// A customer's sessions: listing by public handle, ending one, ending all others, all revoked upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

const password = 'correct horse battery';

async function customerWithDevices(count: number): Promise<{ email: string; devices: Browser[]; tokens: string[] }> {
  const email = uniqueEmail('devices');
  const first = new Browser(stack.url);
  const reg = await first.post(
    '/auth/register',
    { gender: 'm', first_name: 'D', last_name: 'Evice', email, password },
    { headers: { 'user-agent': 'device-0' } },
  );
  const devices = [first];
  const tokens = [reg.body.access_token as string];
  for (let i = 1; i < count; i += 1) {
    const device = new Browser(stack.url);
    const login = await device.post('/auth/login', { email, password }, { headers: { 'user-agent': `device-${i}` } });
    expect(login.status).toBe(200);
    devices.push(device);
    tokens.push(login.body.access_token);
  }
  return { email, devices, tokens };
}

describe('GET /auth/sessions', () => {
  it('lists the customer’s sessions by public handle, marking the current one', async () => {
    const { devices } = await customerWithDevices(3);
    const res = await devices[1]!.get('/auth/sessions');
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(3);
    const current = res.body.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0].user_agent).toBe('device-1');
    for (const s of res.body) {
      expect(s.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Date.parse(s.created_at)).toBeGreaterThan(0);
      for (const d of devices) expect(s.id).not.toBe(d.cookies.get('bff_session'));
    }
  });

  it('answers 401 SESSION_MISSING without a session', async () => {
    const res = await new Browser(stack.url).get('/auth/sessions');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('SESSION_MISSING');
  });
});

describe('DELETE /auth/sessions/:id', () => {
  it('ends another device’s session and revokes its tokens upstream', async () => {
    const { devices, tokens } = await customerWithDevices(2);
    const list = await devices[0]!.get('/auth/sessions');
    const other = list.body.find((s: { current: boolean }) => !s.current);
    const res = await devices[0]!.call('DELETE', `/auth/sessions/${other.id}`);
    expect(res.status).toBe(204);
    expect((await devices[1]!.get('/auth/session')).status).toBe(401);
    expect(await stack.emulator.state.isAccessTokenValid(tokens[1]!)).toBe(false);
    expect((await devices[0]!.get('/auth/session')).status).toBe(200);
  });

  it('answers 404 SESSION_NOT_FOUND for a handle that is not the customer’s', async () => {
    const a = await customerWithDevices(1);
    const b = await customerWithDevices(1);
    const bHandle = (await b.devices[0]!.get('/auth/sessions')).body[0].id;
    const res = await a.devices[0]!.call('DELETE', `/auth/sessions/${bHandle}`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('SESSION_NOT_FOUND');
    expect((await b.devices[0]!.get('/auth/session')).status).toBe(200);
  });

  it('answers 404 SESSION_NOT_FOUND for an unknown handle of any shape', async () => {
    const { devices } = await customerWithDevices(1);
    const handles = ['x', 'not-a-handle', 'A'.repeat(22), 'a'.repeat(300), '%20%21', 'a%2Fb', 'caf%C3%A9', "'%3Bdrop"];
    for (const handle of handles) {
      const res = await devices[0]!.call('DELETE', `/auth/sessions/${handle}`);
      expect(res.status, handle).toBe(404);
      expect(res.body.code).toBe('SESSION_NOT_FOUND');
    }
    expect((await devices[0]!.get('/auth/session')).status).toBe(200);
  });
});

describe('DELETE /auth/sessions', () => {
  it('ends every other session and keeps the current one', async () => {
    const { devices } = await customerWithDevices(3);
    const res = await devices[2]!.call('DELETE', '/auth/sessions');
    expect(res.status).toBe(204);
    expect((await devices[0]!.get('/auth/session')).status).toBe(401);
    expect((await devices[1]!.get('/auth/session')).status).toBe(401);
    const left = await devices[2]!.get('/auth/sessions');
    expect(left.body).toHaveLength(1);
    expect(left.body[0].current).toBe(true);
  });
});
