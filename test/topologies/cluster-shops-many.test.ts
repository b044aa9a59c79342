// Many shops on one Redis Cluster connection: every shop's session cache hangs its own listeners on the
// shared client (its pairs follow the slot map), which is expected, not a leak: Node must not warn
// "MaxListenersExceededWarning" for them, and every shop serves its sessions.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueEmail } from '../helpers/http.js';
import { browserFor, startShopsStack, type ShopsStack } from '../helpers/shops-stack.js';

const SHOPS = 14;
const warnings: string[] = [];
const onWarning = (warning: Error): void => {
  warnings.push(`${warning.name}: ${warning.message}`);
};
let stack: ShopsStack;
beforeAll(async () => {
  process.on('warning', onWarning);
  const shops = Array.from({ length: SHOPS }, (_, i) => ({
    id: `s${i}`,
    hosts: [`s${i}.shop.test`],
    variables: { ALLOWED_ORIGINS: `http://s${i}.shop.test` },
  }));
  // An empty REDIS_URL counts as unset: the shops share the Cluster instead of the test's single node.
  stack = await startShopsStack(shops, { REDIS_URL: '', REDIS_CLUSTER_NODES: inject('clusterNodes') });
});
afterAll(async () => {
  await stack?.close();
  process.off('warning', onWarning);
});

describe(`${SHOPS} shops on one Redis Cluster connection`, () => {
  it('serves every shop and warns of no listener leak', async () => {
    for (let i = 0; i < SHOPS; i += 1) {
      const host = `s${i}.shop.test`;
      const browser = browserFor(stack.url, host);
      const login = await browser.post('/auth/login/guest', {
        gender: 'f',
        first_name: 'M',
        last_name: 'S',
        email: uniqueEmail(`many-${i}`),
      });
      expect(login.status, `shop s${i}: ${login.text}`).toBe(200);
      expect((await browser.get('/auth/session')).status, `shop s${i}`).toBe(200);
    }
    // Warnings are emitted on the next tick: let them arrive.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
  });
});
