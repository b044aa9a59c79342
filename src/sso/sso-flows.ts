// SCAYLE single sign-on (upstream-contract.md §5.15): starting a flow (state cookie + the signed JWT for
// /v1/auth/external/redirect) and checking the callback's state (genuine, this browser's, unexpired,
// unused) before any code is exchanged. Routes stay thin; this knows Fastify only for cookies.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from '../redis/connection.js';
import type { Config } from '../config.js';
import { liveFlowSigner } from '../secrets/live.js';
import type { SecretValues } from '../secrets/secret-values.js';
import { AppError } from '../errors.js';
import { signRedirectJwt } from '../tokens/redirect-jwt.js';
import { parseBaseUrl } from '../upstream/base-url.js';
import { isAllowedUrl } from './allow-list.js';
import { createFlowCookies, FLOW_TTL_MS } from './flow-cookies.js';
import { newState, type SsoFlow } from './flow-signer.js';
import { createUsedStates } from './used-states.js';

/** §5.15 caps nothing, but the contract asks for exp ≤ 15 min; SCAYLE only needs it for the first hop. */
const JWT_TTL_SECONDS = 15 * 60;
export const CALLBACK_PATH = '/auth/social/callback';

export interface StartInput {
  provider: string;
  returnTo: string | undefined;
  errorReturnTo: string | undefined;
}

/** A state check that failed, with the flow when its cookie was genuine (so its error page is trusted). */
export class StateRejected extends AppError {
  constructor(readonly flow: SsoFlow | undefined) {
    super('SOCIAL_STATE_INVALID', { detail: 'Start the login again' });
  }
}

export interface SsoFlows {
  /** Validates the request, remembers the flow in a cookie, and returns SCAYLE's redirect URL. */
  start(request: FastifyRequest, reply: FastifyReply, input: StartInput): Promise<string>;
  /** The callback's flow, claimed once; throws StateRejected otherwise (before anything goes upstream). */
  finish(request: FastifyRequest, reply: FastifyReply, state: string | undefined): Promise<SsoFlow>;
}

/**
 * `secrets` gives the values in use (issue 18 part 4: reloaded shop secret and key ring apply to the next flow).
 * `routePrefix`: issue 18 part 3, a SHOPS_FILE shop's path prefix ('' otherwise): in the callback and cookie paths.
 */
export function createSsoFlows(
  config: Config,
  secrets: { readonly current: SecretValues },
  redis: RedisClient | undefined,
  now: () => number,
  routePrefix = '',
): SsoFlows {
  const signer = liveFlowSigner(() => secrets.current.SESSION_ENCRYPTION_KEYS);
  const cookies = createFlowCookies(signer, { secure: config.session.cookieSecure, pathPrefix: routePrefix });
  const used = createUsedStates(redis, config.redis?.keyPrefix ?? 'bff:');
  const providers = new Set(config.socialProviders);
  const baseUrl = config.scayle.baseUrl;
  if (baseUrl === undefined) throw new TypeError('scayle.baseUrl must be set before the SSO routes are built');
  const upstream = parseBaseUrl(baseUrl);

  /** Dev mode only (the emulator is SCAYLE, config allows it): the demo page on the service's own origin. */
  const devReturnTarget = (origin: string): string[] => (config.devMode ? [`${origin}${routePrefix}/demo/`] : []);
  const ownOrigin = (request: FastifyRequest): string => config.publicBaseUrl ?? `${request.protocol}://${request.host}`;

  return {
    async start(request, reply, input) {
      if (!providers.has(input.provider)) throw new AppError('PROVIDER_UNKNOWN');
      const allowed = [...config.socialRedirectUris, ...devReturnTarget(ownOrigin(request).replace(/\/+$/, ''))];
      if (!isAllowedUrl(input.returnTo, allowed)) throw new AppError('REDIRECT_NOT_ALLOWED', { detail: 'return_to is not allowed' });
      if (input.errorReturnTo !== undefined && !isAllowedUrl(input.errorReturnTo, allowed)) {
        throw new AppError('REDIRECT_NOT_ALLOWED', { detail: 'error_return_to is not allowed' });
      }
      const flow: SsoFlow = {
        state: newState(),
        provider: input.provider,
        returnTo: input.returnTo,
        createdAt: now(),
        ...(input.errorReturnTo === undefined ? {} : { errorReturnTo: input.errorReturnTo }),
      };
      // PUBLIC_BASE_URL is required outside dev mode (config.ts); it may carry a path prefix.
      const callbackUrl = new URL(`${ownOrigin(request).replace(/\/+$/, '')}${routePrefix}${CALLBACK_PATH}`);
      callbackUrl.searchParams.set('state', flow.state);
      const jwt = await signRedirectJwt(
        { idpKey: flow.provider, callbackUrl: callbackUrl.toString(), clientId: config.scayle.clientId },
        secrets.current.SCAYLE_SHOP_SECRET,
        JWT_TTL_SECONDS,
        now,
      );
      cookies.remember(request, reply, flow, flow.createdAt);
      const target = new URL(`${upstream.origin}${upstream.basePath}/v1/auth/external/redirect`);
      target.searchParams.set('shopId', String(config.scayle.shopId));
      target.searchParams.set('jwt', jwt);
      return target.toString();
    },

    async finish(request, reply, state) {
      const flow = state === undefined ? undefined : cookies.take(request, reply, state);
      if (flow === undefined) throw new StateRejected(undefined);
      const left = flow.createdAt + FLOW_TTL_MS - now();
      if (left <= 0 || !(await used.claim(flow.state, left))) throw new StateRejected(flow);
      return flow;
    },
  };
}
