// Signs the short-lived HS256 JWTs SCAYLE's redirect chains take (/v1/auth/logout/redirect, /external/redirect).

import { SignJWT } from 'jose';
import { AppError } from '../errors.js';

const encoder = new TextEncoder();

/**
 * HS256 with the shop (checkout) secret as UTF-8 bytes, as SCAYLE's storefront signs it (§5.15).
 * `iat` and `exp` are set here and override any in `claims`, so a caller cannot mint a long-lived JWT.
 */
export async function signRedirectJwt(
  claims: Record<string, unknown>,
  secret: string,
  ttlSeconds: number,
  now: () => number = Date.now,
): Promise<string> {
  if (secret === '' || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    // A configuration bug, not the caller's fault; the detail stays generic.
    throw new AppError('INTERNAL_ERROR', { cause: new TypeError('signRedirectJwt needs a secret and a positive integer ttl') });
  }
  const iat = Math.floor(now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(encoder.encode(secret));
}
