// The compact serialised record: one-letter keys, every field kept, undefined fields left out.
import { describe, expect, it } from 'vitest';
import { parseSession, serialiseSession, type SessionData } from '../../src/sessions/session-record.js';

const full: SessionData = {
  customerId: '42',
  guest: true,
  accessToken: 'header.payload.signature',
  jti: 'jti-1',
  accessExpiresAt: 1_700_000_060_000,
  refreshToken: 'refresh-1',
  createdAt: 1_700_000_000_000,
  lastSeenAt: 1_700_000_001_000,
  idleExpiresAt: 1_700_001_000_000,
  absoluteExpiresAt: 1_700_100_000_000,
  clientMode: 'token',
  clientKey: 'app-1',
  userAgent: 'Mozilla/5.0',
};

describe('session record', () => {
  it('round-trips every field', () => {
    expect(parseSession(serialiseSession(full))).toStrictEqual(full);
    const minimal: SessionData = { ...full, customerId: undefined, clientKey: undefined, userAgent: undefined, guest: false };
    expect(parseSession(serialiseSession(minimal))).toEqual(minimal);
  });

  it('writes one-letter keys and leaves undefined fields out', () => {
    const json = serialiseSession({ ...full, userAgent: undefined });
    expect(Object.keys(JSON.parse(json) as object).every((key) => key.length === 1)).toBe(true);
    expect(json).not.toMatch(/accessToken|refreshToken|"u"/);
    expect(json.length).toBeLessThan(JSON.stringify(full).length - 100);
  });

  it('writes only the known fields', () => {
    const extra = { ...full, notAField: 'x' } as SessionData;
    expect(serialiseSession(extra)).toBe(serialiseSession(full));
  });

  it('refuses a record without its tokens', () => {
    expect(() => parseSession('{}')).toThrow(/incomplete/);
    expect(() => parseSession('null')).toThrow(/incomplete/);
    expect(() => parseSession(JSON.stringify(full))).toThrow(/incomplete/); // long keys are not read
  });
});
