// What the session service makes of stored bytes that are not a well-formed record of this session: a
// field missing or of the wrong type, a number that is not finite, a side record written where the record
// belongs. Each reads as "no session" (and is reported), never as a live session without a deadline.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/sessions/memory-store.js';
import { createSessionCrypto } from '../../src/sessions/session-crypto.js';
import { serialiseSession, type SessionData } from '../../src/sessions/session-record.js';
import { createSessionService, type SessionService } from '../../src/sessions/session-service.js';
import type { SessionStore } from '../../src/sessions/store.js';

const NOW = 1_700_000_000_000;
const crypto = createSessionCrypto(['k1-0123456789abcdef0123456789abcdef']);
const valid: SessionData = {
  customerId: '42',
  guest: false,
  accessToken: 'header.payload.signature',
  jti: 'jti-1',
  accessExpiresAt: NOW + 300_000,
  refreshToken: 'refresh-1',
  createdAt: NOW,
  lastSeenAt: NOW,
  idleExpiresAt: NOW + 3_600_000,
  absoluteExpiresAt: NOW + 86_400_000,
  clientMode: 'cookie',
  clientKey: 'app-1',
  userAgent: 'Mozilla/5.0',
};
/** The record as stored JSON, one-letter keys (session-record.ts). */
const json = (): Record<string, unknown> => JSON.parse(serialiseSession(valid)) as Record<string, unknown>;
const REQUIRED = ['g', 'a', 'j', 'x', 'r', 't', 'l', 'i', 'b', 'm'];
const NUMBERS = ['x', 't', 'l', 'i', 'b'];

describe('session service reading stored records', () => {
  let store: SessionStore;
  let sessions: SessionService;
  let unreadable: string[];

  beforeEach(() => {
    store = createMemoryStore({ now: () => NOW });
    unreadable = [];
    sessions = createSessionService({
      store,
      crypto,
      idleTtlMs: 3_600_000,
      absoluteTtlMs: 86_400_000,
      now: () => NOW,
      onUnreadableRecord: (sid) => unreadable.push(sid),
    });
  });
  afterEach(() => store.close());

  /** Stores `text` sealed as a record of a fresh sid and loads it through the service. */
  async function load(text: string, kind: 'record' | 'side' = 'record'): Promise<string> {
    const sid = randomUUID();
    await store.create(sid, crypto.seal(kind, text, sid), 60_000);
    return (await sessions.load(sid)).state;
  }

  it('reads a well-formed record as live', async () => {
    expect(await load(JSON.stringify(json()))).toBe('live');
    const minimal = json();
    for (const optional of ['c', 'k', 'u']) delete minimal[optional];
    expect(await load(JSON.stringify(minimal))).toBe('live');
    expect(unreadable).toEqual([]);
  });

  it.each(REQUIRED)('reads a record without field %s as no session', async (key) => {
    const record = json();
    delete record[key];
    expect(await load(JSON.stringify(record))).toBe('missing');
    expect(unreadable).toHaveLength(1);
  });

  it.each(NUMBERS)('reads a record whose number %s is a string, null, not finite or a boolean as no session', async (key) => {
    for (const bad of [String(valid.idleExpiresAt), null, true, {}]) {
      expect(await load(JSON.stringify({ ...json(), [key]: bad }))).toBe('missing');
    }
    // NaN and Infinity cannot be written as JSON numbers, but 1e999 parses as Infinity.
    const infinite = JSON.stringify({ ...json(), [key]: 0 }).replace(`"${key}":0`, `"${key}":1e999`);
    expect(infinite).toContain('1e999');
    expect(await load(infinite)).toBe('missing');
    expect(unreadable).toHaveLength(5);
  });

  it('reads a record with a field of the wrong type as no session', async () => {
    const wrong: Record<string, unknown>[] = [
      { g: 'false' },
      { a: 42 },
      { a: '' },
      { j: null },
      { r: ['refresh-1'] },
      { m: 'other' },
      { c: 42 },
      { k: false },
      { u: {} },
    ];
    for (const change of wrong) expect(await load(JSON.stringify({ ...json(), ...change })), JSON.stringify(change)).toBe('missing');
    for (const text of ['null', '[]', '"record"', '42', '{', '']) expect(await load(text), text).toBe('missing');
    expect(unreadable).toHaveLength(wrong.length + 6);
  });

  it('never opens a side record written as the record, nor the record as a side record', async () => {
    expect(await load(JSON.stringify(json()), 'side')).toBe('missing');
    const sid = randomUUID();
    const record = crypto.seal('record', serialiseSession(valid), sid);
    expect(() => sessions.open(sid, record)).toThrow();
    expect(sessions.open(sid, sessions.seal(sid, 'side'))).toBe('side');
  });
});
