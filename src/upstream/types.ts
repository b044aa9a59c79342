// The shapes the SCAYLE client speaks in: what routes hand it and what it hands back. Knows nothing of
// Fastify; routes translate these to the shop-facing contract.

import type { Dispatcher } from 'undici';

/** Every SCAYLE call the client makes; names metric labels and the status tables in failures.ts. */
export type Operation =
  | 'register'
  | 'login'
  | 'guestLogin'
  | 'refresh'
  | 'exchangeCode'
  | 'logout'
  | 'revokeToken'
  | 'validateToken'
  | 'sendResetEmail'
  | 'updatePasswordByHash'
  | 'changePassword'
  | 'sendMagicLink'
  | 'magicLinkLogin'
  | 'socialLogin'
  // issue 17 part 4: the Admin API's customer update (src/enrichment/admin-client.ts)
  | 'adminUpdateCustomer';

/** Per-request facts forwarded upstream (never taken from the caller's body). */
export interface CallContext {
  requestId: string;
  /** The browser's IP as TRUST_PROXY resolves it; sent as `x-original-client-ip`. */
  clientIp?: string;
  userAgent?: string;
  /** Host the shop-facing request was addressed to; sent as `x-original-host`. */
  host?: string;
}

/** A token pair as SCAYLE returns it (§3.1 of upstream-contract.md), before verification. */
export interface UpstreamTokens {
  accessToken: string;
  refreshToken: string;
  /** Access-token lifetime in seconds, as SCAYLE said. */
  expiresIn: number;
}

export type Gender = 'm' | 'f' | 'd' | 'n';

export interface RegisterInput {
  gender: Gender;
  firstName: string;
  lastName: string;
  email: string;
  password: string;
}

export interface GuestInput {
  gender: Gender;
  firstName: string;
  lastName: string;
  email: string;
}

export interface LoginInput {
  email: string;
  password: string;
}

/** The pino-compatible subset the client logs through; never handed a token, password or secret. */
export interface UpstreamLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

/**
 * How one upstream call ended: the HTTP status class of SCAYLE's answer, or the transport failure that
 * left no usable answer (`bad_response` also covers an oversized body).
 */
export type UpstreamCallOutcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'unavailable' | 'bad_response';

/** Observer of every upstream call (metrics); told only the operation, never its input or tokens. */
export type UpstreamCallHook = (operation: Operation, outcome: UpstreamCallOutcome, seconds: number) => void;

export interface ScayleClientOptions {
  /** Origin of the Auth API, e.g. `https://acme-live.auth.scayle.cloud`; a trailing `/` or `/v1` is tolerated. */
  baseUrl: string;
  clientId: string;
  /** issue 18 part 4: a function is read per call (a reloaded secret applies from the next call on). */
  clientSecret: string | (() => string);
  /** issue 18 part 4: called after a 401 invalid_client to re-read the secret; a changed one gets that call one retry. */
  onInvalidClient?: () => Promise<void>;
  shopId: number;
  /** `client_key` for seed 004's by-link/login and social/login calls. */
  clientKey: string;
  /** Tests pass a MockAgent. Default: one keep-alive Pool for the origin, owned and destroyed by close(). */
  dispatcher?: Dispatcher;
  /** Applies to the owned Pool only (a passed-in dispatcher brings its own). Default 2000. */
  connectTimeoutMs?: number;
  /** undici headersTimeout and bodyTimeout per request. Default 5000. */
  requestTimeoutMs?: number;
  /** Overrides the JWKS address (SCAYLE_JWKS_URL); default `${origin}/.well-known/jwks.json`. */
  jwksUrl?: string;
  logger?: UpstreamLogger;
  /** Called once per call (after any retry) with its outcome and duration. */
  onCall?: UpstreamCallHook;
}

export interface ScayleClient {
  register(input: RegisterInput, ctx: CallContext): Promise<UpstreamTokens>;
  login(input: LoginInput, ctx: CallContext): Promise<UpstreamTokens>;
  guestLogin(input: GuestInput, ctx: CallContext): Promise<UpstreamTokens>;
  refresh(refreshToken: string, ctx: CallContext): Promise<UpstreamTokens>;
  exchangeCode(code: string, ctx: CallContext): Promise<UpstreamTokens>;
  /** POST /v1/auth/logout; an already revoked token (401/404) counts as success. */
  logout(accessToken: string, ctx: CallContext): Promise<void>;
  /** DELETE /v1/oauth/tokens/{jti}; an already revoked token (401/404) counts as success. */
  revokeToken(accessToken: string, jti: string, ctx: CallContext): Promise<void>;
  /** GET /v1/oauth/token/validate: true on 2xx, false on 401. */
  validateToken(accessToken: string, ctx: CallContext): Promise<boolean>;
  /** `resetUrl` must contain `{hash}`; an unknown e-mail (404) counts as success. */
  sendResetEmail(email: string, resetUrl: string, ctx: CallContext): Promise<void>;
  updatePasswordByHash(hash: string, password: string, ctx: CallContext): Promise<UpstreamTokens>;
  /** A new token pair when SCAYLE answers with one (it then revoked the caller's family too), else undefined. */
  changePassword(accessToken: string, currentPassword: string, newPassword: string, ctx: CallContext): Promise<UpstreamTokens | undefined>;
  /** `debugLink` is SCAYLE's `_debug_auth_link`, sent by dev servers only. */
  sendMagicLink(email: string, ctx: CallContext): Promise<{ debugLink?: string }>;
  magicLinkLogin(token: string, ctx: CallContext): Promise<UpstreamTokens>;
  socialLogin(provider: string, code: string, redirectUri: string, ctx: CallContext): Promise<UpstreamTokens>;
  readonly jwksUrl: string;
  /** Idempotent; destroys the Pool the client owns, never a passed-in dispatcher. */
  close(): Promise<void>;
}
