// Verifies SCAYLE access tokens against SCAYLE's JWKS (signature, exp, jti) before anyone stores them.

import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose';
import type { Dispatcher } from 'undici';
import { AppError } from '../errors.js';
import { createJwksDispatcher, createJwksFetch } from './jwks-fetch.js';

export interface AccessTokenVerifierOptions {
  jwksUrl: string;
  /** Tests pass a MockAgent. Default: an Agent of the verifier's own (bodies capped), closed by close(). */
  dispatcher?: Dispatcher;
  /** TCP connect deadline of the owned Agent. Default 2_000. */
  connectTimeoutMs?: number;
  /** How long a fetched key set is trusted; SCAYLE says at most 10 minutes. Default 600_000. */
  cacheMaxAgeMs?: number;
  /**
   * An unknown `kid` refetches the set at most this often. Default 10_000: well inside the 30 s within
   * which bff-api.md wants a key rotation followed, yet a flood of forged kids costs one fetch per window.
   */
  cooldownMs?: number;
  /** Whole JWKS request. Default 5_000. */
  timeoutMs?: number;
  /**
   * Clock for the `exp` check. jose's key cache keeps its own clock (Date.now), so tests of cache age and
   * cooldown move the system time instead.
   */
  now?: () => number;
}

export interface VerifiedAccessToken {
  jti: string;
  /** Claim `customerId` (number or string) or else `sub`, as a string. */
  customerId?: string;
  /** `exp` in ms since the epoch. */
  expiresAt: number;
  /** From a boolean `guest` / `isGuest` claim; SCAYLE's claim for guests is undocumented (§6.1). */
  guest?: boolean;
}

export interface AccessTokenVerifier {
  verify(token: string): Promise<VerifiedAccessToken>;
  /**
   * Readiness: resolves if the JWKS endpoint answered within the cooldown, else fetches it now (which
   * also refreshes the cache); rejects with the same AppErrors as verify. At most one fetch per cooldown.
   */
  probe(): Promise<void>;
  /** Idempotent; closes the Agent the verifier owns, never a passed-in dispatcher. */
  close(): Promise<void>;
}

/** Asymmetric only: the key set is public, so an HMAC "key" from it would let anyone mint tokens. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const CLOCK_TOLERANCE_S = 5;

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const now = options.now ?? Date.now;
  const dispatcher = options.dispatcher ?? createJwksDispatcher(options.connectTimeoutMs);
  let closing: Promise<void> | undefined;
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    cooldownDuration: options.cooldownMs ?? 10_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
    [customFetch]: createJwksFetch(dispatcher),
  });

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          algorithms: ACCEPTED_ALGORITHMS,
          clockTolerance: CLOCK_TOLERANCE_S,
          currentDate: new Date(now()),
          requiredClaims: ['jti', 'exp'],
        }));
      } catch (err) {
        throw toAppError(err);
      }
      return toVerified(payload);
    },

    async probe() {
      if (jwks.coolingDown) return;
      try {
        await jwks.reload();
      } catch (err) {
        throw toAppError(err);
      }
    },

    close() {
      closing ??= options.dispatcher === undefined ? dispatcher.destroy() : Promise.resolve();
      return closing;
    },
  };
}

function toVerified(payload: JWTPayload): VerifiedAccessToken {
  const { jti, exp } = payload;
  if (typeof jti !== 'string' || jti === '' || typeof exp !== 'number') {
    throw new AppError('UPSTREAM_BAD_RESPONSE', { cause: new Error('Access token lacks a usable jti or exp') });
  }
  const verified: VerifiedAccessToken = { jti, expiresAt: exp * 1000 };
  const customerId = idClaim(payload['customerId']) ?? idClaim(payload.sub);
  if (customerId !== undefined) verified.customerId = customerId;
  const guest = payload['guest'] ?? payload['isGuest'];
  if (typeof guest === 'boolean') verified.guest = guest;
  return verified;
}

function idClaim(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Fetch failures are already AppErrors (jwks-fetch.ts). Everything jose raises (bad signature, expired,
 * malformed, no matching key even after a refetch) means SCAYLE handed us a token we cannot trust: 502.
 */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWKS_TIMEOUT') return new AppError('UPSTREAM_TIMEOUT', { cause: err });
  return new AppError('UPSTREAM_BAD_RESPONSE', { cause: err });
}
