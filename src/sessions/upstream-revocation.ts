// Revoking a session's token family at SCAYLE (DELETE /v1/oauth/tokens/{jti}). An access token about to
// expire cannot authenticate the call, so it is refreshed first; the pair that refresh mints is the one
// revoked (revoking a jti ends its whole family, §5.12).
import type { SessionData } from './session-record.js';
import type { CallContext, ScayleClient } from '../upstream/types.js';

export interface UpstreamRevocationDeps {
  scayle: Pick<ScayleClient, 'refresh' | 'revokeToken'>;
  /** The verified `jti` of an access token (JWKS check included). */
  jtiOf: (accessToken: string) => Promise<string>;
  now: () => number;
}

export type RevokeSession = (
  data: Pick<SessionData, 'accessToken' | 'jti' | 'accessExpiresAt' | 'refreshToken'>,
  ctx: CallContext,
) => Promise<void>;

/** A revoker for ended sessions; it throws AppErrors, callers treat revocation as best effort. */
export function createUpstreamRevoker({ scayle, jtiOf, now }: UpstreamRevocationDeps): RevokeSession {
  return async (data, ctx) => {
    let { accessToken, jti } = data;
    if (data.accessExpiresAt - now() < 5_000) {
      accessToken = (await scayle.refresh(data.refreshToken, ctx)).accessToken;
      jti = await jtiOf(accessToken);
    }
    await scayle.revokeToken(accessToken, jti, ctx);
  };
}
