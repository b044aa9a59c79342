// The SCAYLE Authentication API client: one method per endpoint (upstream-contract.md §5, seed 004).
// Knows HTTP and SCAYLE, not Fastify; every failure leaves it as an AppError.

import { parseBaseUrl } from './base-url.js';
import { classifyReply } from './failures.js';
import { createUpstreamHttp, type UpstreamAuth, type UpstreamCall } from './http.js';
import { parseMagicLinkResponse, parseTokenResponse } from './schemas.js';
import type { CallContext, Operation, ScayleClient, ScayleClientOptions, UpstreamLogger, UpstreamTokens } from './types.js';

export type { ScayleClient, ScayleClientOptions } from './types.js';

const silentLogger: UpstreamLogger = { warn: () => undefined, error: () => undefined };

const BASIC: UpstreamAuth = { kind: 'basic' };
const bearer = (token: string): UpstreamAuth => ({ kind: 'bearer', token });

export function createScayleClient(options: ScayleClientOptions): ScayleClient {
  const base = parseBaseUrl(options.baseUrl);
  const logger = options.logger ?? silentLogger;
  const http = createUpstreamHttp({
    base,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    onInvalidClient: options.onInvalidClient,
    shopId: options.shopId,
    dispatcher: options.dispatcher,
    connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    logger,
    onCall: options.onCall,
  });
  const jwksUrl = options.jwksUrl ?? `${base.origin}${base.basePath}/.well-known/jwks.json`;

  async function exchange(call: UpstreamCall) {
    const reply = await http.send(call);
    const outcome = classifyReply(reply, {
      operation: call.operation,
      basicAuth: call.auth.kind === 'basic',
      requestId: call.ctx.requestId,
      logger,
    });
    return { reply, outcome };
  }

  async function tokens(call: UpstreamCall): Promise<UpstreamTokens> {
    const { reply } = await exchange(call);
    return parseTokenResponse(reply.text, call.operation);
  }

  async function noContent(call: UpstreamCall): Promise<void> {
    await exchange(call);
  }

  /** OAuth-client calls: Basic auth, shop_id in the body. */
  const oauthClient = (
    operation: Operation,
    method: 'POST' | 'PUT',
    path: string,
    body: Record<string, unknown>,
    ctx: CallContext,
  ): UpstreamCall => ({
    operation,
    method,
    path,
    auth: BASIC,
    shop: 'body',
    body,
    ctx,
  });

  return {
    jwksUrl,

    register: (input, ctx) =>
      tokens(
        oauthClient(
          'register',
          'POST',
          '/v1/auth/register',
          {
            first_name: input.firstName,
            last_name: input.lastName,
            email: input.email,
            password: input.password,
            gender: input.gender,
          },
          ctx,
        ),
      ),

    login: (input, ctx) => tokens(oauthClient('login', 'POST', '/v1/auth/login', { email: input.email, password: input.password }, ctx)),

    guestLogin: (input, ctx) =>
      tokens(
        oauthClient(
          'guestLogin',
          'POST',
          '/v1/auth/login/guest',
          {
            first_name: input.firstName,
            last_name: input.lastName,
            email: input.email,
            gender: input.gender,
          },
          ctx,
        ),
      ),

    // §5.10: the token endpoint takes JSON, Basic auth, and no shop_id.
    refresh: (refreshToken, ctx) =>
      tokens({
        operation: 'refresh',
        method: 'POST',
        path: '/v1/oauth/token',
        auth: BASIC,
        body: { grant_type: 'refresh_token', refresh_token: refreshToken },
        ctx,
      }),

    exchangeCode: (code, ctx) =>
      tokens({
        operation: 'exchangeCode',
        method: 'POST',
        path: '/v1/oauth/token',
        auth: BASIC,
        body: { grant_type: 'authorization_code', code },
        ctx,
      }),

    logout: (accessToken, ctx) =>
      noContent({ operation: 'logout', method: 'POST', path: '/v1/auth/logout', auth: bearer(accessToken), shop: 'header', ctx }),

    revokeToken: (accessToken, jti, ctx) =>
      noContent({
        operation: 'revokeToken',
        method: 'DELETE',
        path: `/v1/oauth/tokens/${encodeURIComponent(jti)}`,
        auth: bearer(accessToken),
        shop: 'header',
        ctx,
      }),

    validateToken: async (accessToken, ctx) => {
      const { outcome } = await exchange({
        operation: 'validateToken',
        method: 'GET',
        path: '/v1/oauth/token/validate',
        auth: bearer(accessToken),
        ctx,
      });
      return outcome === 'ok';
    },

    sendResetEmail: (email, resetUrl, ctx) =>
      noContent(oauthClient('sendResetEmail', 'POST', '/v1/auth/password/send-reset-email', { email, reset_url: resetUrl }, ctx)),

    updatePasswordByHash: (hash, password, ctx) =>
      tokens(oauthClient('updatePasswordByHash', 'PUT', '/v1/auth/password/update-by-hash', { hash, password }, ctx)),

    // §5.6: Bearer only, so the customer's token, not our client credentials, authorises the change.
    // Whether SCAYLE answers with a new pair is [UNKNOWN]: one is returned when the body holds one.
    changePassword: async (accessToken, currentPassword, newPassword, ctx) => {
      const { reply } = await exchange({
        operation: 'changePassword',
        method: 'PUT',
        path: '/v1/auth/password',
        auth: bearer(accessToken),
        body: { password: currentPassword, new_password: newPassword },
        ctx,
      });
      return /"access_token"/.test(reply.text) ? parseTokenResponse(reply.text, 'changePassword') : undefined;
    },

    sendMagicLink: async (email, ctx) => {
      const { reply, outcome } = await exchange(oauthClient('sendMagicLink', 'POST', '/v1/auth/by-link/link/', { email }, ctx));
      return outcome === 'ok' ? parseMagicLinkResponse(reply.text) : {};
    },

    // Seed 004 names the client by `client_key` in the body; Basic is still sent (same host, server to
    // server) so the call works whether or not SCAYLE also checks client credentials there.
    magicLinkLogin: (token, ctx) =>
      tokens({
        operation: 'magicLinkLogin',
        method: 'POST',
        path: '/v1/auth/by-link/login/',
        auth: BASIC,
        body: { token, client_key: options.clientKey },
        ctx,
      }),

    socialLogin: (provider, code, redirectUri, ctx) =>
      tokens({
        operation: 'socialLogin',
        method: 'POST',
        path: '/v1/auth/social/login/',
        auth: BASIC,
        body: { provider, code, client_key: options.clientKey, redirect_uri: redirectUri },
        ctx,
      }),

    close: () => http.close(),
  };
}
