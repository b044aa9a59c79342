// The SSO flow's signed cookie value and its single-use marker (the in-memory adapter; Redis is covered
// end to end in test/e2e/sso.test.ts).
import { describe, expect, it } from 'vitest';
import { createFlowSigner, newState, type SsoFlow } from '../../src/sso/flow-signer.js';
import { createUsedStates } from '../../src/sso/used-states.js';

const OLD_KEY = 'o'.repeat(40);
const NEW_KEY = 'n'.repeat(40);
const flow: SsoFlow = {
  state: newState(),
  provider: 'google',
  returnTo: 'https://shop.test/account?tab=1',
  errorReturnTo: 'https://shop.test/oops',
  createdAt: 1_700_000_000_000,
};

describe('flow signer', () => {
  it('opens what it sealed, and nothing altered', () => {
    const signer = createFlowSigner([OLD_KEY]);
    const sealed = signer.seal(flow);
    expect(signer.open(sealed)).toEqual(flow);
    const [body, mac] = sealed.split('.');
    const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), r: 'https://evil.test/' }));
    expect(signer.open(`${changed.toString('base64url')}.${mac}`)).toBeUndefined();
    expect(signer.open(`${body}.${'A'.repeat(43)}`)).toBeUndefined();
    expect(signer.open(body!)).toBeUndefined();
    expect(signer.open(`${sealed}.x`)).toBeUndefined();
  });

  it('keeps flows alive across a key rotation, and forgets them once the old key is dropped', () => {
    const sealedBefore = createFlowSigner([OLD_KEY]).seal(flow);
    expect(createFlowSigner([NEW_KEY, OLD_KEY]).open(sealedBefore)).toEqual(flow);
    expect(createFlowSigner([NEW_KEY]).open(sealedBefore)).toBeUndefined();
  });

  it('makes states of 256 random bits', () => {
    expect(newState()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newState()).not.toBe(newState());
  });
});

describe('used states (memory)', () => {
  it('lets a state be claimed once', async () => {
    const used = createUsedStates(undefined, 'test:');
    const state = newState();
    expect(await used.claim(state, 60_000)).toBe(true);
    expect(await used.claim(state, 60_000)).toBe(false);
    expect(await used.claim(newState(), 60_000)).toBe(true);
  });
});
