// The contract of one legacy hash format: recognise an encoded hash, verify a password against it
// without blocking the event loop, and make a dummy of the same cost (for unknown e-mails).
import { randomBytes } from 'node:crypto';

export interface HashFormat {
  /** Stable name (stats, metrics). */
  readonly name: string;
  /**
   * The hash's cost profile (e.g. `bcrypt:12`) when this format reads it and its cost is one we accept,
   * `undefined` when the hash is not of this format. Throws UnsupportedHashError for a recognised
   * hash whose parameters are out of bounds (a row could otherwise pin a worker for minutes).
   */
  profile(hash: string): string | undefined;
  /** True when `password` matches. Only called with hashes `profile` accepted. */
  verify(hash: string, password: string): Promise<boolean>;
  /** A hash of the same format and cost that no password matches in practice (random salt and digest). */
  dummyLike(hash: string): string;
}

export class UnsupportedHashError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnsupportedHashError';
  }
}

/** `count` random characters of `alphabet` (for dummy salts and digests). */
export function randomChars(alphabet: string, count: number): string {
  const bytes = randomBytes(count);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** `bytes` random bytes as standard base64 without padding (argon2 PHC, passlib before its substitution). */
export const randomBase64 = (bytes: number): string => randomBytes(bytes).toString('base64').replace(/=+$/, '');
