// Readiness of a SHOPS_FILE deployment (issue 18 part 3): the store must answer for every shop; SCAYLE
// counts as failing only when no shop's answers, so one tenant's outage keeps the instance in service.
import { describe, expect, it } from 'vitest';
import { shopChecks, type ShopHandles } from '../../src/shops/shop-routing.js';

const shop = (store: boolean, upstream: boolean): ShopHandles => ({
  notFoundLimit: async () => undefined,
  pingStore: () => (store ? Promise.resolve() : Promise.reject(new Error('store down'))),
  probeUpstream: () => (upstream ? Promise.resolve() : Promise.reject(new Error('SCAYLE down'))),
  secrets: {} as ShopHandles['secrets'], // readiness never reads it
});
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    () => 'failing',
  );

describe('readiness over shops', () => {
  it('fails the store when any shop cannot reach it', async () => {
    const checks = shopChecks(
      new Map([
        ['a', shop(true, true)],
        ['b', shop(false, true)],
      ]),
    );
    expect(await outcome(checks.store())).toBe('failing');
    expect(await outcome(shopChecks(new Map([['a', shop(true, true)]])).store())).toBe('ok');
  });

  it('fails SCAYLE only when no shop reaches its own', async () => {
    expect(
      await outcome(
        shopChecks(
          new Map([
            ['a', shop(true, false)],
            ['b', shop(true, true)],
          ]),
        ).upstream(),
      ),
    ).toBe('ok');
    expect(
      await outcome(
        shopChecks(
          new Map([
            ['a', shop(true, false)],
            ['b', shop(true, false)],
          ]),
        ).upstream(),
      ),
    ).toBe('failing');
  });
});
