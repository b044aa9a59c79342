// What one session holds. Serialised to compact JSON and sealed (session-crypto.ts) before it reaches the store,
// so everything here, secret or not, is encrypted at rest.
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

/**
 * The short JSON key of each field. Typed over every key of SessionData, so a new field cannot be added
 * without choosing its key here, and none is silently dropped when the record is written. Renaming a key
 * makes existing records unreadable (they are then treated as missing: the user logs in again).
 */
const SHORT_KEYS: { readonly [K in keyof SessionData]-?: string } = {
  customerId: 'c',
  guest: 'g',
  accessToken: 'a',
  jti: 'j',
  accessExpiresAt: 'x',
  refreshToken: 'r',
  createdAt: 't',
  lastSeenAt: 'l',
  idleExpiresAt: 'i',
  absoluteExpiresAt: 'b',
  clientMode: 'm',
  clientKey: 'k',
  userAgent: 'u',
};
const FIELDS = Object.entries(SHORT_KEYS) as [keyof SessionData, string][];

/** Compact JSON with one-letter keys; undefined fields are left out. */
export function serialiseSession(data: SessionData): string {
  const out: Record<string, unknown> = {};
  for (const [field, key] of FIELDS) if (data[field] !== undefined) out[key] = data[field];
  return JSON.stringify(out);
}

export function parseSession(json: string): SessionData {
  const raw = JSON.parse(json) as Record<string, unknown> | null;
  if (typeof raw !== 'object' || raw === null) throw new Error('session record is incomplete');
  const value: Record<string, unknown> = {};
  for (const [field, key] of FIELDS) value[field] = raw[key];
  if (typeof value.accessToken !== 'string' || typeof value.refreshToken !== 'string' || typeof value.jti !== 'string') {
    throw new Error('session record is incomplete');
  }
  return value as unknown as SessionData;
}
