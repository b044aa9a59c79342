// One short-lived cookie per SSO flow, so several tabs can each finish their own flow in any order and no
// read-modify-write of a shared cookie can lose one. The cookies are scoped to /auth/social (never sent
// to other routes), at most MAX_PENDING_FLOWS live at once (the oldest are dropped when a new flow
// starts) and each expires on its own: abandoned flows cannot pile up into a 431 (oauth2-proxy's bug).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FlowSigner, SsoFlow } from './flow-signer.js';

export const MAX_PENDING_FLOWS = 5;
/** Lifetime of a flow: cookie Max-Age and the signed createdAt check agree. */
export const FLOW_TTL_MS = 10 * 60 * 1000;
const COOKIE_PATH = '/auth/social';

export interface FlowCookies {
  /** Sets the new flow's cookie and clears all but the newest MAX_PENDING_FLOWS - 1 others. */
  remember(request: FastifyRequest, reply: FastifyReply, flow: SsoFlow, now: number): void;
  /**
   * The flow `state` names, when this browser holds a genuine cookie for it (checked in constant time);
   * its cookie is cleared either way, since a flow is single-use. Expiry is the caller's to check.
   */
  take(request: FastifyRequest, reply: FastifyReply, state: string): SsoFlow | undefined;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export function createFlowCookies(signer: FlowSigner, options: { secure: boolean; pathPrefix?: string }): FlowCookies {
  // __Secure- (not __Host-, which demands Path=/): the narrow path keeps these off every other request.
  const prefix = options.secure ? '__Secure-bff_sso_' : 'bff_sso_';
  const nameOf = (state: string): string => prefix + digest(state).toString('base64url').slice(0, 16);
  // issue 18 part 3: a shop served under a path prefix has its social routes under it too.
  const attributes = {
    httpOnly: true,
    secure: options.secure,
    sameSite: 'lax',
    path: `${options.pathPrefix ?? ''}${COOKIE_PATH}`,
  } as const;
  const clear = (reply: FastifyReply, name: string): void => {
    reply.clearCookie(name, attributes);
  };

  return {
    remember(request, reply, flow, now) {
      const pending: Array<{ name: string; createdAt: number }> = [];
      for (const [name, value] of Object.entries(request.cookies)) {
        if (!name.startsWith(prefix)) continue;
        const existing = value === undefined ? undefined : signer.open(value);
        if (existing === undefined || existing.createdAt + FLOW_TTL_MS <= now) clear(reply, name);
        else pending.push({ name, createdAt: existing.createdAt });
      }
      pending.sort((a, b) => b.createdAt - a.createdAt);
      for (const dropped of pending.slice(MAX_PENDING_FLOWS - 1)) clear(reply, dropped.name);
      reply.setCookie(nameOf(flow.state), signer.seal(flow), { ...attributes, maxAge: FLOW_TTL_MS / 1000 });
    },

    take(request, reply, state) {
      const name = nameOf(state);
      const value = request.cookies[name];
      if (value === undefined) return undefined;
      clear(reply, name);
      const flow = signer.open(value);
      // Hashes have equal lengths, so timingSafeEqual applies whatever the caller sent.
      if (flow === undefined || !timingSafeEqual(digest(flow.state), digest(state))) return undefined;
      return flow;
    },
  };
}
