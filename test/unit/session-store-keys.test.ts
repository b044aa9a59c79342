// The key builder: one hash tag per session, a separate slot per customer index, no braces smuggled in.
import { describe, expect, it } from 'vitest';
import { createKeyBuilder } from '../../src/sessions/keys.js';

const hashTag = (key: string): string | undefined => /\{([^}]*)\}/.exec(key)?.[1];

describe('createKeyBuilder', () => {
  it('derives every session key from one hash tag and the index from its own', () => {
    const keys = createKeyBuilder();
    expect(keys.record('abc')).toBe('bff:{s:abc}:rec');
    expect(keys.tombstone('abc')).toBe('bff:{s:abc}:tomb');
    expect(keys.lock('abc')).toBe('bff:{s:abc}:lock');
    expect(keys.sides('abc')).toBe('bff:{s:abc}:side');
    expect(keys.index('cust-1')).toBe('bff:{c:cust-1}:idx');
    const tags = new Set([keys.record('abc'), keys.tombstone('abc'), keys.lock('abc'), keys.sides('abc')].map(hashTag));
    expect([...tags]).toEqual(['s:abc']);
    expect(hashTag(keys.index('abc'))).toBe('c:abc');
  });

  it('uses the given prefix', () => {
    expect(createKeyBuilder('test:x:').record('id')).toBe('test:x:{s:id}:rec');
    expect(createKeyBuilder('').index('c')).toBe('{c:c}:idx');
  });

  it('refuses braces and empty ids, which would move the hash tag', () => {
    expect(() => createKeyBuilder('a{b}:')).toThrow(TypeError);
    const keys = createKeyBuilder();
    expect(() => keys.record('x}y')).toThrow(TypeError);
    expect(() => keys.lock('')).toThrow(TypeError);
    expect(() => keys.index('{c}')).toThrow(TypeError);
  });
});
