// The fetch jose uses for SCAYLE's JWKS: undici's fetch on a dispatcher of our own that stops reading a
// response at the byte limit (undici's maxResponseSize), failures mapped like the SCAYLE client's.

import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { FetchImplementation } from 'jose';
import { AppError } from '../errors.js';
import { mapTransportError } from '../upstream/transport-errors.js';

/** A JWKS is a few KiB; anything far bigger is not one, and is not read past this. */
export const MAX_JWKS_BYTES = 512 * 1024;

/** The JWKS fetch's own dispatcher: any origin (SCAYLE_JWKS_URL may name another), bodies capped. */
export function createJwksDispatcher(connectTimeoutMs = 2_000): Dispatcher {
  return new Agent({ maxResponseSize: MAX_JWKS_BYTES, connect: { timeout: connectTimeoutMs } });
}

/**
 * Returns a jose `customFetch` implementation. It throws AppErrors itself (jose passes them through),
 * so an unreachable JWKS endpoint surfaces as 503/504 rather than as an opaque verification failure,
 * and a body over the dispatcher's limit as 502.
 */
export function createJwksFetch(dispatcher: Dispatcher): FetchImplementation {
  return async (url, init) => {
    try {
      const response = await undiciFetch(url, {
        method: init.method,
        headers: Object.fromEntries(init.headers.entries()),
        redirect: init.redirect,
        signal: init.signal,
        dispatcher,
      });
      // Read (or drain) every body so the connection is reusable.
      const text = await response.text();
      if (response.status !== 200) {
        throw new AppError(response.status === 503 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_BAD_RESPONSE', {
          cause: new Error(`JWKS endpoint answered ${response.status}`),
        });
      }
      // A global Response: jose only calls .status and .json() on it.
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw mapTransportError(err);
    }
  };
}
