// The fetch jose uses for SCAYLE's JWKS: undici's fetch on our dispatcher, failures mapped like the client's.

import { fetch as undiciFetch, type Dispatcher } from 'undici';
import type { FetchImplementation } from 'jose';
import { AppError } from '../errors.js';
import { mapTransportError } from '../upstream/transport-errors.js';

/** A JWKS is a few KiB; anything far bigger is not one. */
const MAX_JWKS_BYTES = 512 * 1024;

/**
 * Returns a jose `customFetch` implementation. It throws AppErrors itself (jose passes them through),
 * so an unreachable JWKS endpoint surfaces as 503/504 rather than as an opaque verification failure.
 */
export function createJwksFetch(dispatcher: Dispatcher | undefined): FetchImplementation {
  return async (url, init) => {
    try {
      const response = await undiciFetch(url, {
        method: init.method,
        headers: Object.fromEntries(init.headers.entries()),
        redirect: init.redirect,
        signal: init.signal,
        ...(dispatcher === undefined ? {} : { dispatcher }),
      });
      // Read (or drain) every body so the connection is reusable.
      const text = await response.text();
      if (response.status !== 200) {
        throw new AppError(response.status === 503 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_BAD_RESPONSE', {
          cause: new Error(`JWKS endpoint answered ${response.status}`),
        });
      }
      if (text.length > MAX_JWKS_BYTES) {
        throw new AppError('UPSTREAM_BAD_RESPONSE', { cause: new Error('JWKS response too large') });
      }
      // A global Response: jose only calls .status and .json() on it.
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw mapTransportError(err);
    }
  };
}
