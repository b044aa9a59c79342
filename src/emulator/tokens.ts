// Token families: minting access/refresh pairs, refresh under the configured rotation mode, and the
// Bearer check (signature, expiry and revocation, which a JWT alone cannot show).
import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from './context.js';
import { randomToken } from './state.js';
import type { AccessRecord, Customer, TokenFamily, TokenResponse } from './records.js';

/** Starts a new family (a sign-in) for a customer and returns its first pair. */
export async function issueForCustomer(ctx: EmulatorContext, customer: Customer): Promise<TokenResponse> {
  const refreshExpiresAt = ctx.now() + ctx.settings.refreshTokenTtlSeconds * 1000;
  const family: TokenFamily = { id: randomUUID(), customerId: customer.id, revoked: false, refreshExpiresAt };
  ctx.state.families.set(family.id, family);
  const accessToken = await mintAccess(ctx, family);
  return { ...accessToken.response, refresh_token: mintRefresh(ctx, family, accessToken.jti, refreshExpiresAt) };
}

export type RefreshOutcome = { ok: true; tokens: TokenResponse } | { ok: false };

/** `grant_type=refresh_token`: the same customer and family, per the rotation switches. */
export async function refresh(ctx: EmulatorContext, token: string): Promise<RefreshOutcome> {
  const { state, settings } = ctx;
  const now = ctx.now();
  const record = state.refreshTokens.get(token);
  const family = record && state.families.get(record.familyId);
  if (!record || !family || family.revoked || record.expiresAt <= now) return { ok: false };

  if (record.usedAt !== undefined) {
    const withinGrace = settings.rotation === 'grace' && now - record.usedAt <= settings.rotationGraceMs;
    if (withinGrace && record.successor) return { ok: true, tokens: record.successor };
    if (settings.reuseRevokesFamily) family.revoked = true;
    return { ok: false };
  }

  if (settings.revokeAccessOnRefresh) {
    const previous = state.accessTokens.get(record.accessJti);
    if (previous) previous.revoked = true;
  }
  const access = await mintAccess(ctx, family);
  const expiresAt = settings.refreshExpiry === 'sliding' ? now + settings.refreshTokenTtlSeconds * 1000 : family.refreshExpiresAt;

  if (settings.rotation === 'off') {
    // The same refresh token stays valid; it now belongs with the newest access token.
    record.accessJti = access.jti;
    record.expiresAt = expiresAt;
    return { ok: true, tokens: { ...access.response, refresh_token: token } };
  }
  const tokens = { ...access.response, refresh_token: mintRefresh(ctx, family, access.jti, expiresAt) };
  record.usedAt = now;
  record.successor = tokens;
  return { ok: true, tokens };
}

/** The access record behind a Bearer JWT, if it verifies and is neither expired nor revoked. */
export async function verifyAccess(ctx: EmulatorContext, jwt: string): Promise<AccessRecord | undefined> {
  const now = ctx.now();
  const payload = await ctx.keys.verify(jwt, now);
  const record = typeof payload?.jti === 'string' ? ctx.state.liveAccess(payload.jti) : undefined;
  return record?.token === jwt ? record : undefined;
}

async function mintAccess(
  ctx: EmulatorContext,
  family: TokenFamily,
): Promise<{ jti: string; response: Omit<TokenResponse, 'refresh_token'> }> {
  const ttl = ctx.settings.accessTokenTtlSeconds;
  const iat = Math.floor(ctx.now() / 1000);
  const jti = randomUUID();
  const customer = ctx.state.customers.get(family.customerId);
  const claims = {
    iss: ctx.issuer(),
    sub: String(family.customerId),
    customerId: family.customerId,
    jti,
    // [INF] not a documented claim; lets a client tell guests apart without a profile call.
    guest: customer?.guest ?? false,
  };
  const accessToken = await ctx.keys.sign(claims, iat, iat + ttl);
  ctx.state.accessTokens.set(jti, {
    jti,
    token: accessToken,
    familyId: family.id,
    customerId: family.customerId,
    expiresAt: (iat + ttl) * 1000,
    revoked: false,
  });
  return { jti, response: { token_type: 'Bearer', expires_in: ttl, access_token: accessToken } };
}

function mintRefresh(ctx: EmulatorContext, family: TokenFamily, accessJti: string, expiresAt: number): string {
  const token = randomToken(32);
  ctx.state.refreshTokens.set(token, { token, familyId: family.id, customerId: family.customerId, accessJti, expiresAt });
  return token;
}
