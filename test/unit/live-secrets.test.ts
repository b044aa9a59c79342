// issue 18 part 4: consumers that read the key ring in use per call: the session crypto and the SSO state
// signer follow a new ring at once (the old key still opens while it stays in the ring, nothing once it is
// dropped), and what they derive is rebuilt only when the value changed.
import { describe, expect, it, vi } from 'vitest';
import { derived, liveFlowSigner, liveSessionCrypto } from '../../src/secrets/live.js';
import { sealedKeyId, keyIdOf } from '../../src/sessions/session-crypto.js';

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);

describe('live consumers of SESSION_ENCRYPTION_KEYS', () => {
  it('seal with the first key of the ring in use and open with any of its keys', () => {
    let ring: readonly string[] = [OLD];
    const crypto = liveSessionCrypto(() => ring);
    const underOld = crypto.seal('record', 'payload', 'sid-1');
    expect(sealedKeyId(underOld)).toBe(keyIdOf(OLD));
    ring = [NEW, OLD];
    const underNew = crypto.seal('record', 'payload', 'sid-1');
    expect(sealedKeyId(underNew)).toBe(keyIdOf(NEW));
    expect(crypto.open('record', underOld, 'sid-1')).toBe('payload');
    ring = [NEW];
    expect(() => crypto.open('record', underOld, 'sid-1')).toThrow();
    expect(crypto.open('record', underNew, 'sid-1')).toBe('payload');
  });

  it('sign SSO flows with the ring in use', () => {
    let ring: readonly string[] = [OLD];
    const signer = liveFlowSigner(() => ring);
    const flow = { state: 's'.repeat(43), provider: 'google', returnTo: 'https://shop.example/back', createdAt: 1 };
    const sealed = signer.seal(flow);
    ring = [NEW, OLD];
    expect(signer.open(sealed)).toEqual(flow);
    ring = [NEW];
    expect(signer.open(sealed)).toBeUndefined();
  });

  it('derive again only when the value changed', () => {
    let value = ['a'];
    const derive = vi.fn((v: string[]) => v.join());
    const current = derived(() => value, derive);
    expect([current(), current()]).toEqual(['a', 'a']);
    value = ['b'];
    expect([current(), current()]).toEqual(['b', 'b']);
    expect(derive).toHaveBeenCalledTimes(2);
  });
});
