// The reason label of session_refresh_failures_total, chosen so an alert pages whoever can act: SCAYLE's
// refresh call, its JWKS, our session store, and contention between requests of one session are told apart.
import { AppError } from '../errors.js';
import { StoreUnavailableError } from './store.js';

export const REFRESH_FAILURE_REASONS = [
  /** SCAYLE refused the refresh token, so the session ended (also the normal end of a refresh token's life). */
  'rejected',
  /** The session was logged out or expired while it was being refreshed. */
  'session_gone',
  /** Another refresh of the same session held the lock for longer than a request waits. */
  'lock_contention',
  /** The session kept changing under the write of the new tokens (they stay pending). */
  'store_contention',
  /** The session store did not answer. */
  'store_unavailable',
  /** SCAYLE's refresh call. */
  'upstream_timeout',
  'upstream_unavailable',
  'upstream_bad_response',
  'upstream_rate_limited',
  /** Verifying the new access token: the JWKS fetch, or the token itself. */
  'jwks_timeout',
  'jwks_unavailable',
  'verification_failed',
  'error',
] as const;

export type RefreshFailureReason = (typeof REFRESH_FAILURE_REASONS)[number];

/** The reason for an error raised by the refresh call (`refresh`) or by verification of its result (`verify`). */
export function refreshFailureReason(error: unknown, stage: 'refresh' | 'verify' = 'refresh'): RefreshFailureReason {
  if (error instanceof StoreUnavailableError) return 'store_unavailable';
  if (!(error instanceof AppError)) return 'error';
  if (error.code === 'SESSION_STORE_UNAVAILABLE') return 'store_unavailable';
  if (stage === 'verify') {
    if (error.code === 'UPSTREAM_TIMEOUT') return 'jwks_timeout';
    if (error.code === 'UPSTREAM_UNAVAILABLE') return 'jwks_unavailable';
    return 'verification_failed';
  }
  switch (error.code) {
    case 'UPSTREAM_TIMEOUT':
      return 'upstream_timeout';
    case 'UPSTREAM_UNAVAILABLE':
      return 'upstream_unavailable';
    case 'UPSTREAM_BAD_RESPONSE':
      return 'upstream_bad_response';
    case 'RATE_LIMITED':
      return 'upstream_rate_limited';
    case 'SESSION_EXPIRED':
      return 'session_gone';
    default:
      return 'error';
  }
}
