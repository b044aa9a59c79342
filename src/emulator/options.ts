// The emulator's switches: every SCAYLE behaviour that upstream-contract.md marks [INF]/[UNKNOWN] is one of
// these, so tests can pin the BFF against each plausible variant instead of one guess.
import type { ExternalPasswordValidation } from './external-password.js';

/** Rotation policy for refresh tokens (§5.10: invalidation of a used refresh token is [UNKNOWN]). */
export type RotationMode = 'strict' | 'grace' | 'off';

export interface EmulatorOptions {
  /** Basic-auth user expected on OAuth-client endpoints. */
  clientId: string;
  /** Basic-auth password expected on OAuth-client endpoints. */
  clientSecret: string;
  /**
   * [UNKNOWN] issue 18 part 4: whether SCAYLE accepts the previous client secret for a while after a new
   * one is issued. Set: this one is accepted too (a rotation's overlap); unset (default): only clientSecret.
   */
  previousClientSecret?: string;
  /** The one shop this emulator serves; `shop_id` bodies and `X-Shop-Id` headers must equal it. */
  shopId: number;
  /** HS256 secret that signs logout-redirect and external-redirect JWTs. */
  shopSecret: string;
  /** Access-token lifetime, seconds (`expires_in`). [UNKNOWN] upstream default. Default 300. */
  accessTokenTtlSeconds?: number;
  /** Refresh-token lifetime, seconds. [UNKNOWN] upstream default. Default 30 days. */
  refreshTokenTtlSeconds?: number;
  /**
   * [UNKNOWN] What a used refresh token does. 'strict' (default): reuse is 401 invalid_grant.
   * 'grace': reuse within `rotationGraceMs` returns the same new pair. 'off': refresh returns the same refresh token.
   */
  rotation?: RotationMode;
  /** Window for 'grace' rotation, ms. Default 10_000. */
  rotationGraceMs?: number;
  /** [UNKNOWN] Whether refresh slides the refresh-token expiry ('sliding', default) or keeps the family's first one. */
  refreshExpiry?: 'sliding' | 'absolute';
  /** [INF] OAuth reuse detection: presenting a used refresh token (outside grace) revokes its whole family. Default false. */
  reuseRevokesFamily?: boolean;
  /** [UNKNOWN] Whether a refresh revokes the access token that was issued with the old refresh token. Default false. */
  revokeAccessOnRefresh?: boolean;
  /** [UNKNOWN] Status for a dead refresh token (a bad authorization code is always 400). Default 401: SCAYLE's client logs out on 401. */
  invalidGrantStatus?: 400 | 401;
  /** [UNKNOWN] Success status of register. Default 201. */
  registerStatus?: 200 | 201;
  /** [UNKNOWN] Status for a wrong password on login. Default 401. */
  wrongPasswordStatus?: 400 | 401 | 404;
  /** [UNKNOWN] Status for an unknown e-mail on login. Default: the same as `wrongPasswordStatus`. */
  unknownEmailStatus?: 400 | 401 | 404;
  /** [UNKNOWN] Password policy: minimum length (shorter is 422 validation_error). Default 8. */
  passwordMinLength?: number;
  /** [INF] Guest login with the e-mail of a registered customer is 409 conflict. Default false (allowed). */
  guestConflictsWithRegistered?: boolean;
  /** [UNKNOWN] send-reset-email for an unknown e-mail: 204 (no enumeration, default) or 404. */
  resetUnknownEmailStatus?: 204 | 404;
  /** [UNKNOWN] Reset-hash lifetime, seconds. Default 3600. */
  resetHashTtlSeconds?: number;
  /** [UNKNOWN] Whether `PUT /v1/auth/password` revokes the customer's other token families. Default true. */
  passwordChangeRevokesOthers?: boolean;
  /**
   * [UNKNOWN] Whether `PUT /v1/auth/password` also revokes the caller's own family and answers 200 with a
   * new token pair (instead of an empty success). Default false.
   */
  passwordChangeReturnsTokens?: boolean;
  /** [UNKNOWN] Status of bodiless successes (reset e-mail, logout, revoke, password change): 204 (default) or 200 `{}`. */
  emptySuccessStatus?: 200 | 204;
  /** [UNKNOWN] Authorization-code lifetime, seconds (one-time either way). Default 300. */
  authCodeTtlSeconds?: number;
  /** [UNKNOWN] When set, the fake IDP fails: external/redirect sends the browser to `callbackUrl?error=<value>`. */
  externalRedirectError?: string;
  /**
   * SCAYLE only redirects to callback URLs configured for the shop: when set, a JWT whose `callbackUrl`
   * (scheme, host, port and path) is not on this list is 400 invalid_jwt. Unset: any http(s) URL.
   */
  externalCallbackUrls?: string[];
  /** true: external/redirect signs the IDP user in at once; false (default): the fake IDP's login page first. */
  idpAutoLogin?: boolean;
  /** Seed 004: the e-mailed magic link; `{token}` is replaced. Default 'http://localhost:3000/magic-link?token={token}'. */
  magicLinkUrl?: string;
  /** [UNKNOWN] Magic-link token lifetime, seconds. Default 900. */
  magicLinkTtlSeconds?: number;
  /** [UNKNOWN] Magic link for an unknown e-mail signs the customer up on login (default true); false: 200 `{}` and no e-mail. */
  magicLinkCreatesCustomer?: boolean;
  /** [UNKNOWN] Expected `client_key` on seed 004 calls; unset: any non-empty value is accepted. */
  clientKey?: string;
  /** [INF] `iss` claim. Default: the emulator's own origin. */
  issuer?: string;
  /** Seed 001: the shop's password validation service, asked on login for customers flagged externalPassword. */
  externalPasswordValidation?: ExternalPasswordValidation;
  /** issue 17 part 4: the Admin API's expected X-Access-Token. Default 'dev-admin-token' (the BFF's dev-mode value). */
  adminApiToken?: string;
  /** Fastify request logging. Default false. */
  logger?: boolean;
  /** Clock in epoch ms, so tests can move time. Default Date.now. */
  now?: () => number;
}

/** Options with every default filled in; the object routes read on each request (so setOptions applies at once). */
type OptionalSetting =
  | 'unknownEmailStatus'
  | 'externalRedirectError'
  | 'externalCallbackUrls'
  | 'clientKey'
  | 'issuer'
  | 'externalPasswordValidation'
  | 'previousClientSecret';
export type Settings = Required<Omit<EmulatorOptions, OptionalSetting>> & Pick<EmulatorOptions, OptionalSetting>;

export const DEFAULT_MAGIC_LINK_URL = 'http://localhost:3000/magic-link?token={token}';

export function resolveSettings(options: EmulatorOptions): Settings {
  return {
    accessTokenTtlSeconds: 300,
    refreshTokenTtlSeconds: 30 * 24 * 3600,
    rotation: 'strict',
    rotationGraceMs: 10_000,
    refreshExpiry: 'sliding',
    reuseRevokesFamily: false,
    revokeAccessOnRefresh: false,
    invalidGrantStatus: 401,
    registerStatus: 201,
    wrongPasswordStatus: 401,
    passwordMinLength: 8,
    guestConflictsWithRegistered: false,
    resetUnknownEmailStatus: 204,
    resetHashTtlSeconds: 3600,
    passwordChangeRevokesOthers: true,
    passwordChangeReturnsTokens: false,
    emptySuccessStatus: 204,
    authCodeTtlSeconds: 300,
    idpAutoLogin: false,
    magicLinkUrl: DEFAULT_MAGIC_LINK_URL,
    magicLinkTtlSeconds: 900,
    magicLinkCreatesCustomer: true,
    adminApiToken: 'dev-admin-token',
    logger: false,
    now: Date.now,
    ...stripUndefined(options),
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    shopId: options.shopId,
    shopSecret: options.shopSecret,
  };
}

/** Applies a runtime patch; `undefined` values clear optional switches back to their defaults. */
export function patchSettings(settings: Settings, patch: Partial<EmulatorOptions>): void {
  const { clientId, clientSecret, shopId, shopSecret } = settings;
  const defaults = resolveSettings({ clientId, clientSecret, shopId, shopSecret });
  for (const [key, value] of Object.entries(patch)) {
    (settings as unknown as Record<string, unknown>)[key] =
      value === undefined ? (defaults as unknown as Record<string, unknown>)[key] : value;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
