// What one session holds. Serialised to JSON and sealed (session-crypto.ts) before it reaches the store,
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

export function serialiseSession(data: SessionData): string {
  return JSON.stringify(data);
}

export function parseSession(json: string): SessionData {
  const value = JSON.parse(json) as Partial<SessionData>;
  if (typeof value.accessToken !== 'string' || typeof value.refreshToken !== 'string' || typeof value.jti !== 'string') {
    throw new Error('session record is incomplete');
  }
  return value as SessionData;
}
