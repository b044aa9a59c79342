// The sealed byte layout and what it must refuse: another session's id, the other kind of value, a flipped
// bit anywhere (header included), an unknown key id; rotation, where every key of the ring opens and the
// first seals; and format 1, written before kinds existed, which still opens as a record only.
import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSessionCrypto, SEALED_OVERHEAD_BYTES, sealedKeyId } from '../../src/sessions/session-crypto.js';

const K1 = 'k1-0123456789abcdef0123456789abcdef';
const K2 = 'k2-0123456789abcdef0123456789abcdef';

describe('session crypto', () => {
  it('seals to bytes: format 2, 6-byte key id, 12-byte IV, ciphertext as long as the plaintext, 16-byte tag', () => {
    const crypto = createSessionCrypto([K1]);
    const plaintext = '{"a":"ümlaut 🍪"}';
    const sealed = crypto.seal('record', plaintext, 'sid-1');
    expect(Buffer.isBuffer(sealed)).toBe(true);
    expect(SEALED_OVERHEAD_BYTES).toBe(1 + 6 + 12 + 16);
    expect(sealed.length).toBe(SEALED_OVERHEAD_BYTES + Buffer.byteLength(plaintext));
    expect(sealed[0]).toBe(2);
    expect(sealedKeyId(sealed)).toBe(sealed.subarray(1, 7).toString('hex'));
    expect(sealed.includes(Buffer.from('ümlaut'))).toBe(false);
    expect(crypto.open('record', sealed, 'sid-1')).toBe(plaintext);
    // A fresh IV per seal: the same plaintext never seals to the same bytes.
    expect(crypto.seal('record', plaintext, 'sid-1').equals(sealed)).toBe(false);
    expect(crypto.open('record', crypto.seal('record', '', 'sid-1'), 'sid-1')).toBe('');
  });

  it('opens a view into a larger buffer (as a store might hand out)', () => {
    const crypto = createSessionCrypto([K1]);
    const sealed = crypto.seal('record', 'payload', 'sid');
    const framed = Buffer.concat([Buffer.from('12345678'), sealed]);
    expect(crypto.open('record', framed.subarray(8), 'sid')).toBe('payload');
    expect(crypto.open('record', new Uint8Array(framed.buffer, framed.byteOffset + 8, sealed.length), 'sid')).toBe('payload');
  });

  it("refuses another session's id, any flipped bit, a truncated value and an unknown format", () => {
    const crypto = createSessionCrypto([K1]);
    const sealed = crypto.seal('record', 'secret data', 'sid-1');
    expect(() => crypto.open('record', sealed, 'sid-2')).toThrow();
    for (let i = 0; i < sealed.length; i += 1) {
      const tampered = Buffer.from(sealed);
      tampered[i]! ^= 0x01;
      expect(() => crypto.open('record', tampered, 'sid-1')).toThrow();
    }
    expect(() => crypto.open('record', sealed.subarray(0, SEALED_OVERHEAD_BYTES - 1), 'sid-1')).toThrow(/unknown format/);
    expect(() => crypto.open('record', Buffer.from('v1.abcdefgh.xxxx.yyyy'), 'sid-1')).toThrow(/unknown format/);
    expect(sealedKeyId(Buffer.alloc(10))).toBeUndefined();
  });

  it('rotates: the first key seals, every key of the ring opens, a dropped key cannot', () => {
    const old = createSessionCrypto([K1]);
    const rotated = createSessionCrypto([K2, K1]);
    const newOnly = createSessionCrypto([K2]);
    const byOld = old.seal('record', 'x', 'sid');
    const byRotated = rotated.seal('record', 'y', 'sid');
    expect(sealedKeyId(byRotated)).toBe(sealedKeyId(newOnly.seal('record', 'z', 'sid')));
    expect(sealedKeyId(byRotated)).not.toBe(sealedKeyId(byOld));
    expect(rotated.open('record', byOld, 'sid')).toBe('x');
    expect(newOnly.open('record', byRotated, 'sid')).toBe('y');
    expect(() => newOnly.open('record', byOld, 'sid')).toThrow(/unknown format or key id/);
  });

  it('opens a value only as the kind it was sealed as: a side record is never a session record', () => {
    const crypto = createSessionCrypto([K1]);
    const side = crypto.seal('side', '{"a":"t"}', 'sid');
    const record = crypto.seal('record', '{"a":"t"}', 'sid');
    expect(crypto.open('side', side, 'sid')).toBe('{"a":"t"}');
    expect(crypto.open('record', record, 'sid')).toBe('{"a":"t"}');
    expect(() => crypto.open('record', side, 'sid')).toThrow();
    expect(() => crypto.open('side', record, 'sid')).toThrow();
  });

  it('opens format 1 (sealed before kinds existed) as a record, never as a side record', () => {
    // Format 1, as the previous release wrote it: the associated data was the header and the session id.
    const key = Buffer.from(hkdfSync('sha256', K1, 'scayle-auth-bff', 'session-record-v1', 32));
    const header = Buffer.concat([Buffer.of(1), createHash('sha256').update(key).digest().subarray(0, 6)]);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.concat([header, Buffer.from('sid')]));
    const legacy = Buffer.concat([header, iv, cipher.update('old record', 'utf8'), cipher.final(), cipher.getAuthTag()]);

    const crypto = createSessionCrypto([K1]);
    expect(sealedKeyId(legacy)).toBe(header.subarray(1).toString('hex'));
    expect(crypto.open('record', legacy, 'sid')).toBe('old record');
    expect(() => crypto.open('record', legacy, 'other-sid')).toThrow();
    expect(() => crypto.open('side', legacy, 'sid')).toThrow(/unknown format/);
  });
});
