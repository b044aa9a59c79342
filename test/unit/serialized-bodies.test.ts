// http/serialized-bodies.ts: a body is serialised once per record and stamp, and again when either changes.
import { describe, expect, it } from 'vitest';
import { serializedBodies } from '../../src/http/serialized-bodies.js';

describe('serializedBodies', () => {
  it('reuses the body of the same record and stamp, and serialises again for a new record or stamp', () => {
    const bodies = serializedBodies<{ n: number }>();
    let calls = 0;
    const serialize = (record: { n: number }, stamp: number) => () => `${(calls += 1)}:${record.n}:${stamp}`;
    const a = { n: 1 };
    const b = { n: 1 };
    expect(bodies(a, 10, serialize(a, 10))).toBe('1:1:10');
    expect(bodies(a, 10, serialize(a, 10))).toBe('1:1:10');
    expect(bodies(a, 9, serialize(a, 9))).toBe('2:1:9');
    expect(bodies(b, 9, serialize(b, 9))).toBe('3:1:9');
    expect(bodies(a, 9, serialize(a, 9))).toBe('2:1:9');
    expect(calls).toBe(3);
  });
});
