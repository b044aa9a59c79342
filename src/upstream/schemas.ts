// zod schemas for what SCAYLE sends back: the boundary where untrusted JSON becomes typed values.

import { z } from 'zod';
import { AppError } from '../errors.js';
import type { UpstreamTokens } from './types.js';

/** §3.1 token response. Extra fields (scope, id_token, seed 004's user data) are allowed and dropped. */
export const tokenResponseSchema = z.object({
  token_type: z.string().min(1),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().finite().positive(),
});

/** §3.2: `error` is the one field every SCAYLE error body has. */
const errorBodySchema = z.object({ error: z.string() });

/** Seed 004: dev servers add the link to the response; production sends none (or no body at all). */
const magicLinkResponseSchema = z.object({ _debug_auth_link: z.string().optional() });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A 2xx whose body is not a token response is SCAYLE's fault, not the caller's: 502. */
export function parseTokenResponse(text: string, operation: string): UpstreamTokens {
  const result = tokenResponseSchema.safeParse(parseJson(text));
  if (!result.success) {
    // Field paths only: zod issues could otherwise carry the (token) values.
    const fields = result.error.issues.map((issue) => issue.path.join('.') || '(body)').join(', ');
    throw new AppError('UPSTREAM_BAD_RESPONSE', {
      cause: new Error(`Malformed token response to ${operation}: ${fields}`),
    });
  }
  const { access_token, refresh_token, expires_in } = result.data;
  return { accessToken: access_token, refreshToken: refresh_token, expiresIn: expires_in };
}

/** Lenient: a send-link 2xx without a JSON body is normal in production. */
export function parseMagicLinkResponse(text: string): { debugLink?: string } {
  const result = magicLinkResponseSchema.safeParse(parseJson(text));
  const link = result.success ? result.data._debug_auth_link : undefined;
  return link === undefined ? {} : { debugLink: link };
}

/** SCAYLE's machine-readable error key, bounded, for logs and the INVALID_CLIENT check. */
export function parseErrorKey(text: string): string | undefined {
  const result = errorBodySchema.safeParse(parseJson(text));
  return result.success ? result.data.error.slice(0, 64) : undefined;
}
