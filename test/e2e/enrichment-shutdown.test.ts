// The in-process worker closes with the service (issue 17 §4): app.close() (what SIGTERM runs) stops taking
// jobs and waits for the profile update in hand, which still reaches the Admin API.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ env: { REGISTER_PROFILE_FIELDS: 'phone:string' } });
});
afterAll(async () => {
  await stack?.close();
});

it('waits for the job in hand when the service closes', async () => {
  stack.emulator.faults.add({ endpoint: 'admin.customer-update', delayMs: 600_000, times: 1 });
  const res = await new Browser(stack.url).post('/auth/register', {
    gender: 'd',
    first_name: 'Grace',
    last_name: 'Hopper',
    email: uniqueEmail('enrich-close'),
    password: 'correct horse battery',
    phone: '+1 555 0100',
  });
  expect(res.status, res.text).toBe(201);
  await eventually(() => stack.emulator.state.calls('admin.customer-update') === 1, 'the Admin API call to start');
  const closing = stack.app.close();
  stack.emulator.faults.wakeAll();
  await closing;
  // The worker saw the Admin API's answer before the service was closed (a forced close would drop it).
  expect(stack.logs.some((l) => l.includes('profile update sent to the Admin API'))).toBe(true);
  expect(stack.emulator.state.adminCustomerUpdates.map((u) => u.body)).toEqual([{ phone: '+1 555 0100' }]);
});
