// The sealed byte layout and what it must refuse: another session's id, a flipped bit anywhere (header
// included), an unknown key id; and rotation, where every key of the ring opens and the first seals.
import { describe, expect, it } from 'vitest';
import { createSessionCrypto, SEALED_OVERHEAD_BYTES, sealedKeyId } from '../../src/sessions/session-crypto.js';

const K1 = 'k1-0123456789abcdef0123456789abcdef';
const K2 = 'k2-0123456789abcdef0123456789abcdef';

describe('session crypto', () => {
  it('seals to bytes: format 1, 6-byte key id, 12-byte IV, ciphertext as long as the plaintext, 16-byte tag', () => {
    const crypto = createSessionCrypto([K1]);
    const plaintext = '{"a":"ümlaut 🍪"}';
    const sealed = crypto.seal(plaintext, 'sid-1');
    expect(Buffer.isBuffer(sealed)).toBe(true);
    expect(SEALED_OVERHEAD_BYTES).toBe(1 + 6 + 12 + 16);
    expect(sealed.length).toBe(SEALED_OVERHEAD_BYTES + Buffer.byteLength(plaintext));
    expect(sealed[0]).toBe(1);
    expect(sealedKeyId(sealed)).toBe(sealed.subarray(1, 7).toString('hex'));
    expect(sealed.includes(Buffer.from('ümlaut'))).toBe(false);
    expect(crypto.open(sealed, 'sid-1')).toBe(plaintext);
    // A fresh IV per seal: the same plaintext never seals to the same bytes.
    expect(crypto.seal(plaintext, 'sid-1').equals(sealed)).toBe(false);
    expect(crypto.open(crypto.seal('', 'sid-1'), 'sid-1')).toBe('');
  });

  it('opens a view into a larger buffer (as a store might hand out)', () => {
    const crypto = createSessionCrypto([K1]);
    const sealed = crypto.seal('payload', 'sid');
    const framed = Buffer.concat([Buffer.from('12345678'), sealed]);
    expect(crypto.open(framed.subarray(8), 'sid')).toBe('payload');
    expect(crypto.open(new Uint8Array(framed.buffer, framed.byteOffset + 8, sealed.length), 'sid')).toBe('payload');
  });

  it("refuses another session's id, any flipped bit, a truncated value and an unknown format", () => {
    const crypto = createSessionCrypto([K1]);
    const sealed = crypto.seal('secret data', 'sid-1');
    expect(() => crypto.open(sealed, 'sid-2')).toThrow();
    for (let i = 0; i < sealed.length; i += 1) {
      const tampered = Buffer.from(sealed);
      tampered[i]! ^= 0x01;
      expect(() => crypto.open(tampered, 'sid-1')).toThrow();
    }
    expect(() => crypto.open(sealed.subarray(0, SEALED_OVERHEAD_BYTES - 1), 'sid-1')).toThrow(/unknown format/);
    expect(() => crypto.open(Buffer.from('v1.abcdefgh.xxxx.yyyy'), 'sid-1')).toThrow(/unknown format/);
    expect(sealedKeyId(Buffer.alloc(10))).toBeUndefined();
  });

  it('rotates: the first key seals, every key of the ring opens, a dropped key cannot', () => {
    const old = createSessionCrypto([K1]);
    const rotated = createSessionCrypto([K2, K1]);
    const newOnly = createSessionCrypto([K2]);
    const byOld = old.seal('x', 'sid');
    const byRotated = rotated.seal('y', 'sid');
    expect(sealedKeyId(byRotated)).toBe(sealedKeyId(newOnly.seal('z', 'sid')));
    expect(sealedKeyId(byRotated)).not.toBe(sealedKeyId(byOld));
    expect(rotated.open(byOld, 'sid')).toBe('x');
    expect(newOnly.open(byRotated, 'sid')).toBe('y');
    expect(() => newOnly.open(byOld, 'sid')).toThrow(/unknown format or key id/);
  });
});
