// The fake identity provider behind SSO: a login page (any e-mail, no password) that "logs in" and sends
// the browser back to SCAYLE's /v1/auth/external/callback with a one-time IdP code, or with
// error=access_denied when the user cancels. Pending logins are bounded and expire.
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './context.js';
import { email as emailSchema } from './schemas.js';
import { randomToken } from './state.js';

export const IDP_LOGIN_PATH = '/idp/login';
const LOGIN_TTL_MS = 10 * 60 * 1000;
const MAX_PENDING = 1000;

interface PendingLogin {
  idpKey: string;
  callbackUrl: string;
  expiresAt: number;
  /** Set once the user logged in; the IdP code that external/callback must present. */
  idpCode?: string;
  email?: string;
  cancelled?: boolean;
}

export interface IdpLogins {
  begin(idpKey: string, callbackUrl: string): string;
  peek(flow: string): PendingLogin | undefined;
  /** The user's choice on the page: an IdP code to return with, or undefined when cancelled / unknown. */
  decide(flow: string, email: string | undefined): string | undefined;
  /** Consumes the login; `email` undefined means the user cancelled. Undefined: unknown, expired, used or wrong code. */
  finish(flow: string, code: unknown): { idpKey: string; callbackUrl: string; email?: string } | undefined;
}

export function createIdpLogins(ctx: EmulatorContext): IdpLogins {
  const pending = new Map<string, PendingLogin>();
  const live = (flow: string): PendingLogin | undefined => {
    const login = pending.get(flow);
    return login && login.expiresAt > ctx.now() ? login : undefined;
  };
  return {
    begin(idpKey, callbackUrl) {
      // Maps keep insertion order: the first entries are the oldest.
      for (const [id, login] of pending) if (login.expiresAt <= ctx.now() || pending.size >= MAX_PENDING) pending.delete(id);
      const flow = randomToken(24);
      pending.set(flow, { idpKey, callbackUrl, expiresAt: ctx.now() + LOGIN_TTL_MS });
      return flow;
    },
    peek: live,
    decide(flow, email) {
      const login = live(flow);
      if (!login || login.idpCode !== undefined || login.cancelled) return undefined;
      if (email === undefined) {
        login.cancelled = true;
        return undefined;
      }
      login.idpCode = randomToken(24);
      login.email = email;
      return login.idpCode;
    },
    finish(flow, code) {
      const login = live(flow);
      if (!login) return undefined;
      const ok = login.cancelled === true || (typeof code === 'string' && code === login.idpCode);
      if (!ok) return undefined;
      pending.delete(flow);
      return { idpKey: login.idpKey, callbackUrl: login.callbackUrl, ...(login.email === undefined ? {} : { email: login.email }) };
    },
  };
}

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(flow: string, login: PendingLogin): string {
  const idp = escapeHtml(login.idpKey);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in with ${idp} (emulated)</title></head>
<body>
<h1>Sign in with ${idp}</h1>
<p>This is the SCAYLE emulator's fake identity provider: any e-mail address logs in, no password needed.</p>
<form id="idp-form" method="post" action="${IDP_LOGIN_PATH}">
  <input type="hidden" name="flow" value="${escapeHtml(flow)}">
  <label>E-mail <input id="idp-email" name="email" type="email" value="${idp}-user@example.test" required></label>
  <button id="idp-login" type="submit" name="action" value="login">Log in</button>
  <button id="idp-cancel" type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form>
</body></html>`;
}

export function idpPageRoutes(app: FastifyInstance, logins: IdpLogins): void {
  const gone = 'This login is unknown or has expired. Start again from the shop.';

  app.get(IDP_LOGIN_PATH, async (request, reply) => {
    const flow = (request.query as Record<string, unknown>).flow;
    const login = typeof flow === 'string' ? logins.peek(flow) : undefined;
    if (typeof flow !== 'string' || !login) return reply.code(400).type('text/plain; charset=utf-8').send(gone);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(flow, login));
  });

  app.post(IDP_LOGIN_PATH, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const flow = typeof form.flow === 'string' ? form.flow : '';
    if (!logins.peek(flow)) return reply.code(400).type('text/plain; charset=utf-8').send(gone);
    const email = form.action === 'cancel' ? undefined : emailSchema.safeParse(form.email);
    if (email !== undefined && !email.success) return reply.code(400).type('text/plain; charset=utf-8').send('Enter an e-mail address.');
    const code = logins.decide(flow, email?.data);
    const back = new URLSearchParams({ state: flow, ...(code === undefined ? {} : { code }) });
    return reply.redirect(`/v1/auth/external/callback?${back.toString()}`, 302);
  });
}
