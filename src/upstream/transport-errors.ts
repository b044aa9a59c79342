// Transport failures (no usable HTTP answer) as AppErrors, matched by `err.code` along the cause chain.

import { AppError } from '../errors.js';

// Matched by code (undici and Node both set it) because instanceof breaks across undici copies
// (undici docs/api/Errors.md).
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_DESTROYED', // our pool was closed or destroyed: shutting down
  'UND_ERR_CLOSED',
]);
const TIMEOUT = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'TimeoutError', // AbortSignal.timeout() reason, reported by name
]);
/** Failures where the request may never have reached SCAYLE's application: safe to replay a GET. */
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNREFUSED']);

/** The first `code` (or timeout name) along the cause chain; fetch() wraps the real error in `cause`. */
export function transportCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, name, cause, errors } = current as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (name === 'TimeoutError') return name;
    // Node's happy-eyeballs connect reports an AggregateError of per-address failures.
    current = cause ?? (Array.isArray(errors) ? (errors[0] as unknown) : undefined);
  }
  return undefined;
}

export function isRetryableTransportError(err: unknown): boolean {
  const code = transportCode(err);
  return code !== undefined && RETRYABLE.has(code);
}

/** Refused/DNS/closed → 503, timeouts → 504, resets and everything else → 502. The cause is kept. */
export function mapTransportError(err: unknown): AppError {
  const code = transportCode(err);
  if (code !== undefined && UNAVAILABLE.has(code)) return new AppError('UPSTREAM_UNAVAILABLE', { cause: err });
  if (code !== undefined && TIMEOUT.has(code)) return new AppError('UPSTREAM_TIMEOUT', { cause: err });
  return new AppError('UPSTREAM_BAD_RESPONSE', { cause: err });
}
