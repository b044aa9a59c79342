// The emulator's in-memory world (customers, token families, one-time grants, outbox, call counters),
// public so tests can inspect exactly what the BFF caused upstream.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { decodeJwt } from 'jose';
import { ENDPOINTS } from './records.js';
import type {
  AccessRecord,
  AdminCustomerUpdate,
  Customer,
  EndpointName,
  Grant,
  OutboxEntry,
  RefreshRecord,
  TokenFamily,
} from './records.js';

const RECENT_LIMIT = 50;

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export class EmulatorState {
  readonly customers = new Map<number, Customer>();
  readonly families = new Map<string, TokenFamily>();
  readonly accessTokens = new Map<string, AccessRecord>();
  readonly refreshTokens = new Map<string, RefreshRecord>();
  /** hash → customer id */
  readonly resetHashes = new Map<string, Grant<number>>();
  /** authorization code → customer id */
  readonly authCodes = new Map<string, Grant<number>>();
  /** magic-link token → e-mail (the customer may only be created on login) */
  readonly magicTokens = new Map<string, Grant<string>>();
  /** social code → provider and e-mail; issued by tests through issueSocialCode */
  readonly socialCodes = new Map<string, { provider: string; email: string; used: boolean }>();
  /** E-mails the emulator would have sent. */
  readonly outbox: OutboxEntry[] = [];
  private readonly counters = new Map<string, number>();
  /** Recent request headers per endpoint, bounded so a long dev run cannot grow without limit. */
  private readonly recent = new Map<string, IncomingHttpHeaders[]>();
  private nextCustomerId = 1;
  /** Seed 001: calls made to the shop's password validation service. */
  externalPasswordChecks = 0;
  /** issue 17 part 4: customer updates the Admin API accepted, oldest first. */
  readonly adminCustomerUpdates: AdminCustomerUpdate[] = [];

  constructor(private readonly clock: () => number = Date.now) {}

  /** How many requests reached an endpoint (counted before faults and auth, so faulted calls count too). */
  calls(endpoint: EndpointName | (string & {})): number {
    return this.counters.get(endpoint) ?? 0;
  }

  /** Counts a call and keeps its headers (what the BFF forwarded: request ids, x-original-*). */
  recordCall(endpoint: EndpointName, headers: IncomingHttpHeaders): void {
    this.counters.set(endpoint, this.calls(endpoint) + 1);
    const list = this.recent.get(endpoint) ?? [];
    list.push({ ...headers });
    if (list.length > RECENT_LIMIT) list.shift();
    this.recent.set(endpoint, list);
  }

  /** Headers of the last (up to 50) requests to an endpoint, oldest first. */
  lastHeaders(endpoint: EndpointName | (string & {})): IncomingHttpHeaders[] {
    return [...(this.recent.get(endpoint) ?? [])];
  }

  /** The `x-request-id` values of the last (up to 50) requests to an endpoint, oldest first. */
  lastRequestIds(endpoint: EndpointName | (string & {})): string[] {
    return this.lastHeaders(endpoint).flatMap((headers) => {
      const id = headers['x-request-id'];
      return typeof id === 'string' ? [id] : [];
    });
  }

  stats(): Record<EndpointName, number> {
    return Object.fromEntries(ENDPOINTS.map((name) => [name, this.calls(name)])) as Record<EndpointName, number>;
  }

  addCustomer(input: Omit<Customer, 'id'>): Customer {
    const customer: Customer = { ...input, email: input.email.trim(), id: this.nextCustomerId++ };
    this.customers.set(customer.id, customer);
    return customer;
  }

  /** Registered (non-guest) customer by e-mail, case-insensitively. */
  findRegisteredByEmail(email: string): Customer | undefined {
    const wanted = email.trim().toLowerCase();
    for (const customer of this.customers.values()) {
      if (!customer.guest && customer.email.toLowerCase() === wanted) return customer;
    }
    return undefined;
  }

  /** The registered customer with this e-mail, or a new password-less one (sign-up by link or provider). */
  findOrCreatePasswordless(email: string, idp?: string): Customer {
    return (
      this.findRegisteredByEmail(email) ?? this.addCustomer({ email, firstName: '', lastName: '', guest: false, ...(idp ? { idp } : {}) })
    );
  }

  /** A one-time social-login code for `email` at `provider`, for tests beyond the `valid-*` shortcut. */
  issueSocialCode(provider: string, email: string): string {
    const code = `social-${randomToken(16)}`;
    this.socialCodes.set(code, { provider, email, used: false });
    return code;
  }

  /** Revokes every family of a customer except `keepFamilyId` (password reset / change). */
  revokeCustomerFamilies(customerId: number, keepFamilyId?: string): void {
    for (const family of this.families.values()) {
      if (family.customerId === customerId && family.id !== keepFamilyId) family.revoked = true;
    }
  }

  /** The access record for `jti` if it is unexpired and neither it nor its family is revoked. */
  liveAccess(jti: string): AccessRecord | undefined {
    const record = this.accessTokens.get(jti);
    if (!record || record.revoked || record.expiresAt <= this.clock()) return undefined;
    return this.families.get(record.familyId)?.revoked === false ? record : undefined;
  }

  /** Would SCAYLE accept this access token right now (what validate answers)? For tests. */
  isAccessTokenValid(accessToken: string): Promise<boolean> {
    let jti: unknown;
    try {
      jti = decodeJwt(accessToken).jti;
    } catch {
      return Promise.resolve(false);
    }
    const record = typeof jti === 'string' ? this.liveAccess(jti) : undefined;
    return Promise.resolve(record?.token === accessToken);
  }

  /** A customer's refresh tokens that would still refresh (unused, unexpired, unrevoked), newest first. */
  refreshTokensOf(customerId: number | string): string[] {
    const now = this.clock();
    return [...this.refreshTokens.values()]
      .filter(
        (record) =>
          String(record.customerId) === String(customerId) &&
          record.usedAt === undefined &&
          record.expiresAt > now &&
          this.families.get(record.familyId)?.revoked === false,
      )
      .map((record) => record.token)
      .reverse();
  }

  revokeFamily(familyId: string): void {
    const family = this.families.get(familyId);
    if (family) family.revoked = true;
  }
}

/** Consumes a one-time grant if it is known, unused and unexpired; returns its value. */
export function consumeGrant<T>(grants: Map<string, Grant<T>>, key: string, now: number): T | undefined {
  const grant = liveGrant(grants, key, now);
  if (!grant) return undefined;
  grant.used = true;
  return grant.value;
}

/** Reads a grant without consuming it (checks that must not burn the secret come first). */
export function peekGrant<T>(grants: Map<string, Grant<T>>, key: string, now: number): T | undefined {
  return liveGrant(grants, key, now)?.value;
}

function liveGrant<T>(grants: Map<string, Grant<T>>, key: string, now: number): Grant<T> | undefined {
  const grant = grants.get(key);
  return grant && !grant.used && grant.expiresAt > now ? grant : undefined;
}
