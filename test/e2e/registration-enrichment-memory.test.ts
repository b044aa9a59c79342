// Registration enrichment without Redis (dev mode): the in-process queue delivers through the same worker,
// retrying after an injected failure, and closes with the app.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { Browser, uniqueEmail } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ memory: true, env: { REGISTER_PROFILE_FIELDS: 'birth_date:date', ENRICHMENT_BACKOFF_MS: '10' } });
});
afterAll(async () => {
  await stack?.close();
});

it('delivers a profile update through the in-process queue after a failure', async () => {
  stack.emulator.faults.add({ endpoint: 'admin.customer-update', status: 502, times: 1 });
  const res = await new Browser(stack.url).post('/auth/register', {
    gender: 'm',
    first_name: 'Alan',
    last_name: 'Turing',
    email: uniqueEmail('enrich-memory'),
    password: 'correct horse battery',
    birth_date: '1912-06-23',
  });
  expect(res.status, res.text).toBe(201);
  const id = Number(res.body.customer.id);
  await eventually(() => stack.emulator.state.adminCustomerUpdates.some((u) => u.customerId === id), 'the update to arrive');
  expect(stack.emulator.state.calls('admin.customer-update')).toBe(2);
  expect(stack.logs.some((l) => l.includes('profile updates wait in this process only'))).toBe(true);
});
