// The records the emulator keeps (customers, token families, one-time grants, outbox mail) and the names
// of its endpoints, as used by call counters and fault injection.

export const ENDPOINTS = [
  'register',
  'login',
  'guest',
  'token.refresh',
  'token.code',
  'logout',
  'revoke',
  'validate',
  'jwks',
  'reset-email',
  'update-by-hash',
  'password',
  'logout-redirect',
  'external-redirect',
  'magic-link.send',
  'magic-link.login',
  'social.login',
  'admin.customer-update',
] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

export type Gender = 'm' | 'f' | 'd' | 'n';

export interface Customer {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  gender?: Gender;
  /** Guests have no password and never collide with registered e-mails. */
  guest: boolean;
  /** scrypt hash (see passwords.ts); absent for guests and password-less (magic-link / IDP) sign-ups. */
  passwordHash?: string;
  /** IDP key or social provider the customer signed up or linked with. */
  idp?: string;
  /** Seed 001: migrated from a shop whose validation service checks the password until the first login. */
  externalPassword?: boolean;
  /** issue 17 part 4: attributes set through the Admin API's customer update (birthDate, phone, ...). */
  adminAttributes?: Record<string, unknown>;
}

/** issue 17 part 4: one customer update the Admin API accepted, as received. */
export interface AdminCustomerUpdate {
  customerId: number;
  shopKey: string;
  countryCode: string;
  body: Record<string, unknown>;
}

/** One login session: the chain of access/refresh tokens born from one sign-in, revoked as a unit. */
export interface TokenFamily {
  id: string;
  customerId: number;
  revoked: boolean;
  /** Refresh expiry of the family's first token, for 'absolute' refresh expiry. */
  refreshExpiresAt: number;
}

export interface AccessRecord {
  jti: string;
  /** The JWT itself, so a presented token must match byte for byte. */
  token: string;
  familyId: string;
  customerId: number;
  expiresAt: number;
  revoked: boolean;
}

export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token: string;
}

export interface RefreshRecord {
  token: string;
  familyId: string;
  customerId: number;
  /** The access token issued together with this refresh token. */
  accessJti: string;
  expiresAt: number;
  /** Set when rotated away; what happens on reuse depends on the rotation mode. */
  usedAt?: number;
  /** The pair this token was rotated into, replayed on reuse in 'grace' mode. */
  successor?: TokenResponse;
}

/** A one-time secret (reset hash, authorization code, magic-link token). */
export interface Grant<T> {
  value: T;
  expiresAt: number;
  used: boolean;
}

export interface OutboxEntry {
  kind: 'password-reset' | 'magic-link';
  email: string;
  link: string;
  token: string;
}
