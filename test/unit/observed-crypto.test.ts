// The per-key-id counters' source: session records sealed and opened, by the key id their header names;
// side records and credentials are not counted, and a value no ring key opens is not counted either.
import { describe, expect, it } from 'vitest';
import { observeCrypto } from '../../src/sessions/observed-crypto.js';
import { createSessionCrypto, keyIdOf } from '../../src/sessions/session-crypto.js';

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);

function observed(secrets: string[]) {
  const sealed: string[] = [];
  const opened: string[] = [];
  const crypto = observeCrypto(createSessionCrypto(secrets), { sealed: (id) => sealed.push(id), opened: (id) => opened.push(id) });
  return { crypto, sealed, opened };
}

describe('observeCrypto', () => {
  it('counts session records by the key id that sealed them, never side records', () => {
    const before = observed([OLD]);
    const oldRecord = before.crypto.seal('record', '{}', 'sid');
    before.crypto.seal('side', '{}', 'sid');
    before.crypto.seal('record', '{}', 'other');
    expect(before.sealed).toEqual([keyIdOf(OLD), keyIdOf(OLD)]);

    const after = observed([NEW, OLD]);
    const newRecord = after.crypto.seal('record', '{}', 'sid');
    expect(after.crypto.open('record', oldRecord, 'sid')).toBe('{}');
    expect(after.crypto.open('record', newRecord, 'sid')).toBe('{}');
    after.crypto.seal('side', 'x', 'sid');
    after.crypto.open('side', after.crypto.seal('side', 'x', 'sid'), 'sid');
    expect(after.sealed).toEqual([keyIdOf(NEW)]);
    expect(after.opened).toEqual([keyIdOf(OLD), keyIdOf(NEW)]);
  });

  it('counts nothing for a record no key of the ring opens', () => {
    const dropped = observed([NEW]);
    expect(() => dropped.crypto.open('record', observed([OLD]).crypto.seal('record', '{}', 'sid'), 'sid')).toThrow();
    expect(dropped.opened).toEqual([]);
  });
});
