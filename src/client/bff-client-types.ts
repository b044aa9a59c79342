// The types of the shop-facing API's bodies, for the typed client (type-only: nothing here survives compiling).
import type { z } from 'zod';
import type { guestBody, loginBody, problem, registerBody, sessionInfoResponse, tokenResponse } from '../http/schemas.js';

export type RegisterInput = z.input<typeof registerBody>;
export type LoginInput = z.input<typeof loginBody>;
export type GuestInput = z.input<typeof guestBody>;
export type TokenResponse = z.infer<typeof tokenResponse>;
export type SessionInfo = z.infer<typeof sessionInfoResponse>;
export type Problem = z.infer<typeof problem>;

export interface SessionListItem {
  /** Public handle for revokeSession, not the session secret. */
  id: string;
  created_at: string;
  last_seen_at: string;
  user_agent: string | null;
  current: boolean;
}

export interface MagicLinkSent {
  /** Dev mode only: the link the e-mail would contain. */
  _debug_auth_link?: string;
}

// --- issue 15: account recovery ---
export interface PasswordResetSent {
  /** Dev mode only: the reset link the e-mail would contain. */
  _debug_reset_url?: string;
}

export interface PasswordUpdateInput {
  /** The hash from the reset link. */
  hash: string;
  password: string;
}

export interface PasswordChangeInput {
  current_password: string;
  new_password: string;
}
// --- end issue 15 ---

export interface SocialLoginInput {
  /** A provider from the service's SOCIAL_PROVIDERS. */
  provider: string;
  /** The code the provider sent to `redirect_uri`. */
  code: string;
  /** Exactly one of the service's SOCIAL_REDIRECT_URIS. */
  redirect_uri: string;
}

export interface SsoStartOptions {
  /** Where the browser lands logged in; must be on SOCIAL_REDIRECT_URIS. */
  returnTo: string;
  /** Optional error page (also on the list); receives `?error=<code>` when the login fails. */
  errorReturnTo?: string;
}

export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: { store: 'ok' | 'failing'; upstream: 'ok' | 'failing' };
}
