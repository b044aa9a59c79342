// How SCAYLE's HTTP answers become AppErrors: one status table per endpoint, plus 429, 5xx and INVALID_CLIENT.

import { AppError, type ErrorCode } from '../errors.js';
import { parseErrorKey } from './schemas.js';
import type { Operation, UpstreamLogger } from './types.js';

/** What a non-2xx status means for one endpoint: a public error code, or not a failure at all. */
export type Outcome = ErrorCode | 'treat-as-success' | 'token-invalid';

const OK = 'treat-as-success';

/**
 * THE 4xx TABLE. SCAYLE documents few status codes (upstream-contract.md §3.2, §9), so every row is a
 * reading of what SCAYLE's own storefront passes through. Change rows here when SCAYLE confirms them;
 * a status missing from a row is an unexpected 4xx and becomes 502.
 */
export const UPSTREAM_4XX: Readonly<Record<Operation, Readonly<Partial<Record<number, Outcome>>>>> = {
  login: { 400: 'INVALID_CREDENTIALS', 401: 'INVALID_CREDENTIALS', 404: 'INVALID_CREDENTIALS' },
  register: { 400: 'VALIDATION_FAILED', 409: 'EMAIL_TAKEN', 422: 'VALIDATION_FAILED' },
  guestLogin: { 400: 'VALIDATION_FAILED', 409: 'EMAIL_TAKEN', 422: 'VALIDATION_FAILED' },
  refresh: { 400: 'SESSION_EXPIRED', 401: 'SESSION_EXPIRED' },
  exchangeCode: { 400: 'SOCIAL_CODE_INVALID', 401: 'SOCIAL_CODE_INVALID' },
  updatePasswordByHash: {
    400: 'RESET_HASH_INVALID',
    401: 'RESET_HASH_INVALID',
    404: 'RESET_HASH_INVALID',
    406: 'RESET_HASH_INVALID',
    422: 'VALIDATION_FAILED',
  },
  // 404 = unknown e-mail: answering differently would let callers enumerate accounts.
  sendResetEmail: { 404: OK },
  sendMagicLink: { 400: 'VALIDATION_FAILED', 404: OK, 422: 'VALIDATION_FAILED' },
  // Already revoked or unknown: the goal (token dead) is reached, so logout stays idempotent.
  logout: { 401: OK, 404: OK },
  revokeToken: { 401: OK, 404: OK },
  changePassword: {
    400: 'INVALID_CREDENTIALS',
    401: 'INVALID_CREDENTIALS',
    403: 'INVALID_CREDENTIALS',
    422: 'VALIDATION_FAILED',
  },
  magicLinkLogin: { 400: 'MAGIC_LINK_INVALID', 401: 'MAGIC_LINK_INVALID', 404: 'MAGIC_LINK_INVALID' },
  socialLogin: { 400: 'SOCIAL_CODE_INVALID', 401: 'SOCIAL_CODE_INVALID' },
  validateToken: { 401: 'token-invalid' },
  // The Admin API client classifies its own answers (retry or dead-letter), never through this table.
  adminUpdateCustomer: {},
};

/** Upstream error text is never echoed: it may quote the input. */
const GENERIC_DETAIL: Partial<Record<ErrorCode, string>> = {
  VALIDATION_FAILED: 'The authentication service rejected the submitted data.',
};

export interface ReplyFacts {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface ClassifyContext {
  operation: Operation;
  basicAuth: boolean;
  requestId: string;
  logger: UpstreamLogger;
}

/**
 * 2xx → 'ok'; a table row that is not an error → that outcome; anything else throws. Policy for 5xx:
 * 503 → 503 UPSTREAM_UNAVAILABLE (SCAYLE says it is down, readiness should say so too), every other
 * 5xx and any unexpected status → 502 UPSTREAM_BAD_RESPONSE.
 */
export function classifyReply(reply: ReplyFacts, c: ClassifyContext): 'ok' | 'treat-as-success' | 'token-invalid' {
  const { status } = reply;
  if (status >= 200 && status < 300) return 'ok';
  const logFacts = { operation: c.operation, status, requestId: c.requestId };

  if (status === 429) {
    return fail('RATE_LIMITED', { headers: { 'retry-after': retryAfter(reply.headers['retry-after']) } });
  }
  if (c.basicAuth && isInvalidClient(reply)) {
    // Our client id/secret are wrong: an ops problem. Never blame the user (or log them out on refresh).
    c.logger.error({ ...logFacts, upstreamError: 'INVALID_CLIENT' }, 'SCAYLE rejected the BFF client credentials');
    return fail('UPSTREAM_BAD_RESPONSE');
  }
  if (status >= 400 && status < 500) {
    const outcome = UPSTREAM_4XX[c.operation][status];
    if (outcome === 'treat-as-success' || outcome === 'token-invalid') return outcome;
    if (outcome !== undefined) return fail(outcome, { detail: GENERIC_DETAIL[outcome] });
  }
  c.logger.warn({ ...logFacts, upstreamError: parseErrorKey(reply.text) }, 'Unexpected status from SCAYLE');
  return fail(status === 503 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_BAD_RESPONSE');

  function fail(code: ErrorCode, extra: { detail?: string | undefined; headers?: Record<string, string> } = {}): never {
    throw new AppError(code, {
      ...(extra.detail === undefined ? {} : { detail: extra.detail }),
      ...(extra.headers === undefined ? {} : { headers: extra.headers }),
      // Status and operation only: the body may quote what the user sent.
      cause: new Error(`SCAYLE answered ${status} to ${c.operation}`),
    });
  }
}

/** SCAYLE refused our client credentials (401 invalid_client): nothing about the request itself was looked at. */
export function isInvalidClient(reply: ReplyFacts): boolean {
  return reply.status === 401 && parseErrorKey(reply.text)?.toUpperCase() === 'INVALID_CLIENT';
}

/** Passes SCAYLE's delta-seconds or HTTP-date through; anything odd becomes '1'. */
function retryAfter(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return '1';
  const trimmed = v.trim();
  if (/^\d{1,7}$/.test(trimmed)) return trimmed;
  if (trimmed.length <= 40 && /^[A-Za-z0-9 ,:]+$/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return trimmed;
  return '1';
}
