// CSRF (bff-api.md "Sessions"): a POST or DELETE that carries our session cookie or an Origin header must
// come from an allowed origin and carry a header a cross-site form cannot set. Requests with neither
// (server-to-server, token-mode apps) are not subject to it.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

export interface CsrfSettings {
  cookieName: string;
  allowedOrigins: ReadonlySet<string>;
  /** x-client-key values configured in token mode. */
  tokenClientKeys: ReadonlySet<string>;
  /** PUBLIC_BASE_URL's origin; when unset, the origin the request was addressed to. */
  ownOrigin: string | undefined;
}

const GUARDED = new Set(['POST', 'DELETE', 'PUT', 'PATCH']);

export function checkCsrf(request: FastifyRequest, settings: CsrfSettings): void {
  if (!GUARDED.has(request.method)) return;
  const origin = request.headers.origin;
  const hasCookie = request.cookies[settings.cookieName] !== undefined;
  if (!hasCookie && origin === undefined) return;
  // Token-mode clients authenticate with a header a browser never sends by itself: no ambient authority.
  if (!hasCookie && isTokenMode(request, settings.tokenClientKeys)) return;

  const claimed = origin ?? originOf(request.headers.referer);
  // The allow-list first: a storefront's origin is on it, and the request's own origin takes two getters.
  const originAllowed = claimed !== undefined && (settings.allowedOrigins.has(claimed) || claimed === ownOriginOf(request, settings));
  const marked = request.headers['x-requested-with'] === 'XMLHttpRequest' || request.headers['x-csrf'] === '1';
  if (!originAllowed || !marked) {
    throw new AppError('CSRF_REJECTED', {
      detail: originAllowed ? 'Send x-requested-with: XMLHttpRequest (or x-csrf: 1)' : 'Origin not allowed',
    });
  }
}

function ownOriginOf(request: FastifyRequest, settings: CsrfSettings): string {
  return settings.ownOrigin ?? `${request.protocol}://${request.host}`;
}

function isTokenMode(request: FastifyRequest, tokenClientKeys: ReadonlySet<string>): boolean {
  const key = request.headers['x-client-key'];
  if (typeof key === 'string' && tokenClientKeys.has(key)) return true;
  return /^token\s/i.test(request.headers.authorization ?? '');
}

function originOf(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}
