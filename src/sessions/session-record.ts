// What one session holds. Serialised to compact JSON and sealed (session-crypto.ts) before it reaches the store,
// so everything here, secret or not, is encrypted at rest.
import { z } from 'zod';
import type { ClientMode } from '../config.js';

export interface SessionData {
  customerId: string | undefined;
  guest: boolean;
  accessToken: string;
  /** The access token's `jti`: what SCAYLE revokes by. */
  jti: string;
  /** ms since epoch, from the verified `exp`. */
  accessExpiresAt: number;
  refreshToken: string;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  clientMode: ClientMode;
  /** The x-client-key that created a token-mode session. */
  clientKey: string | undefined;
  userAgent: string | undefined;
}

/** The deadline after which an unused session is over: the sooner of idle and absolute. */
export function sessionDeadline(data: Pick<SessionData, 'idleExpiresAt' | 'absoluteExpiresAt'>): number {
  return Math.min(data.idleExpiresAt, data.absoluteExpiresAt);
}

// zod 4's number() refuses NaN and ±Infinity: a deadline that compares false with everything would be a
// session that never expires.
const text = z.string().min(1);
const time = z.number();
const optionalText = z.string().optional();

/**
 * The short JSON key and the schema of each field. Typed over every key of SessionData, so a new field
 * cannot be added without choosing its key and its check here, and none is silently dropped when the
 * record is written. Renaming a key makes existing records unreadable (they are then treated as missing:
 * the user logs in again).
 */
const FIELDS: { readonly [K in keyof SessionData]-?: readonly [key: string, schema: z.ZodType<SessionData[K]>] } = {
  customerId: ['c', optionalText],
  guest: ['g', z.boolean()],
  accessToken: ['a', text],
  jti: ['j', text],
  accessExpiresAt: ['x', time],
  refreshToken: ['r', text],
  createdAt: ['t', time],
  lastSeenAt: ['l', time],
  idleExpiresAt: ['i', time],
  absoluteExpiresAt: ['b', time],
  clientMode: ['m', z.enum(['cookie', 'token'])],
  clientKey: ['k', optionalText],
  userAgent: ['u', optionalText],
};
const ENTRIES = Object.entries(FIELDS) as [keyof SessionData, readonly [string, z.ZodType]][];

/** Compact JSON with one-letter keys; undefined fields are left out. */
export function serialiseSession(data: SessionData): string {
  const out: Record<string, unknown> = {};
  for (const [field, [key]] of ENTRIES) if (data[field] !== undefined) out[key] = data[field];
  return JSON.stringify(out);
}

/**
 * Reads a record strictly: every required field present with its type, every number finite. Throws on
 * anything else, naming the field but never its value (the record holds tokens).
 */
export function parseSession(json: string): SessionData {
  const raw: unknown = JSON.parse(json);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('session record is incomplete');
  const source = raw as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  for (const [field, [key, schema]] of ENTRIES) {
    const parsed = schema.safeParse(source[key]);
    if (!parsed.success) throw new Error(`session record is incomplete or invalid (${field})`);
    value[field] = parsed.data;
  }
  return value as unknown as SessionData;
}
