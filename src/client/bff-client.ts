// A dependency-free client for the shop-facing API (bff-api.md), for browsers and Node: only fetch, no
// runtime imports (the schema imports are types and vanish on compile), so the demo page can load it as-is.
import type {
  RegisterInput,
  LoginInput,
  GuestInput,
  TokenResponse,
  SessionInfo,
  Problem,
  SessionListItem,
  MagicLinkSent,
  PasswordResetSent,
  PasswordUpdateInput,
  PasswordChangeInput,
  SocialLoginInput,
  SsoStartOptions,
  Readiness,
} from './bff-client-types.js';

export type * from './bff-client-types.js';

type Method = 'GET' | 'POST' | 'DELETE';

/** Every operation the client calls, with OpenAPI-style paths, so a test can hold it against the service. */
export const ROUTES = {
  register: { method: 'POST', path: '/auth/register' },
  login: { method: 'POST', path: '/auth/login' },
  guestLogin: { method: 'POST', path: '/auth/login/guest' },
  token: { method: 'POST', path: '/auth/token' },
  session: { method: 'GET', path: '/auth/session' },
  logout: { method: 'POST', path: '/auth/logout' },
  listSessions: { method: 'GET', path: '/auth/sessions' },
  revokeSession: { method: 'DELETE', path: '/auth/sessions/{id}' },
  revokeOtherSessions: { method: 'DELETE', path: '/auth/sessions' },
  sendMagicLink: { method: 'POST', path: '/auth/magic-link' },
  magicLinkLogin: { method: 'POST', path: '/auth/magic-link/login' },
  // issue 15
  sendPasswordResetEmail: { method: 'POST', path: '/auth/password/reset-email' },
  updatePassword: { method: 'POST', path: '/auth/password/update' },
  changePassword: { method: 'POST', path: '/auth/password/change' },
  /** A browser navigation (302), not a fetch: see logoutRedirectUrl. */
  logoutRedirect: { method: 'GET', path: '/auth/logout/redirect' },
  socialLogin: { method: 'POST', path: '/auth/social/login/{provider}' },
  socialLoginByBody: { method: 'POST', path: '/auth/social/login' },
  // Browser navigations, not fetches: ssoStartUrl() builds the first; SCAYLE sends the browser to the second.
  ssoStart: { method: 'GET', path: '/auth/social/{provider}' },
  ssoCallback: { method: 'GET', path: '/auth/social/callback' },
  health: { method: 'GET', path: '/health/live' },
  ready: { method: 'GET', path: '/health/ready' },
} as const satisfies Record<string, { method: Method; path: string }>;

export type Operation = keyof typeof ROUTES;

/** A non-2xx answer (or no answer): `problem` is the problem+json body when the service sent one. */
export class BffError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | undefined;
  readonly requestId: string | undefined;

  constructor(status: number, problem: Problem | undefined, requestId: string | undefined, message?: string) {
    super(message ?? problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'BffError';
    this.status = status;
    // status 0: the request never got an answer (network, CORS, abort).
    this.code = problem?.code ?? (status === 0 ? 'NETWORK_ERROR' : 'UNEXPECTED_RESPONSE');
    this.problem = problem;
    this.requestId = requestId ?? problem?.request_id;
  }
}

export interface BffClientOptions {
  /** Origin (and optional path prefix) of the service; '' (default) means the page's own origin. */
  baseUrl?: string;
  /** 'web' (default): the HttpOnly session cookie. 'token': mobile apps, `Authorization: Token`. */
  mode?: 'web' | 'token';
  /** Token mode: the x-client-key configured as `token` in CLIENT_KEYS. */
  clientKey?: string;
  /** Token mode: a session_token kept from an earlier run (in the platform's secure storage). */
  sessionToken?: string;
  /** Called whenever the remembered session_token changes (undefined: the session ended). */
  onSessionToken?: (token: string | undefined) => void;
  /** A fetch implementation (a cookie-aware one in Node); default globalThis.fetch. */
  fetch?: typeof fetch;
}

interface CallOptions {
  body?: unknown;
  /** Login, registration, guest, magic-link and social login: where token mode must name its client. */
  createsSession?: boolean;
  params?: Record<string, string>;
  /** Non-2xx statuses that are answers, not errors. */
  accept?: number[];
}

export class BffClient {
  readonly mode: 'web' | 'token';
  private readonly baseUrl: string;
  private readonly clientKey: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly onSessionToken: ((token: string | undefined) => void) | undefined;
  private currentToken: string | undefined;

  constructor(options: BffClientOptions = {}) {
    this.mode = options.mode ?? 'web';
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.clientKey = options.clientKey;
    this.currentToken = options.sessionToken;
    this.onSessionToken = options.onSessionToken;
    // Bound so a browser's fetch is not called with the client as `this` (Illegal invocation).
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    if (this.mode === 'token' && !this.clientKey) throw new TypeError('BffClient: token mode needs clientKey');
  }

  /** Token mode: the session_token of the current session, if any. */
  get sessionToken(): string | undefined {
    return this.currentToken;
  }

  register(body: RegisterInput): Promise<TokenResponse> {
    return this.call('register', { body, createsSession: true });
  }

  login(body: LoginInput): Promise<TokenResponse> {
    return this.call('login', { body, createsSession: true });
  }

  guestLogin(body: GuestInput): Promise<TokenResponse> {
    return this.call('guestLogin', { body, createsSession: true });
  }

  /** The current access token, refreshed by the service when it has under 30 s left. */
  token(): Promise<TokenResponse> {
    return this.call('token');
  }

  session(): Promise<SessionInfo> {
    return this.call('session');
  }

  async logout(): Promise<void> {
    await this.call<undefined>('logout');
    this.remember(undefined);
  }

  listSessions(): Promise<SessionListItem[]> {
    return this.call('listSessions');
  }

  async revokeSession(id: string): Promise<void> {
    await this.call<undefined>('revokeSession', { params: { id } });
  }

  async revokeOtherSessions(): Promise<void> {
    await this.call<undefined>('revokeOtherSessions');
  }

  sendMagicLink(email: string): Promise<MagicLinkSent> {
    return this.call('sendMagicLink', { body: { email } });
  }

  magicLinkLogin(token: string): Promise<TokenResponse> {
    return this.call('magicLinkLogin', { body: { token }, createsSession: true });
  }

  // --- issue 15: account recovery ---
  /** 202 whether or not the address is known; in dev mode with the link the e-mail holds. */
  sendPasswordResetEmail(email: string): Promise<PasswordResetSent> {
    return this.call('sendPasswordResetEmail', { body: { email } });
  }

  /** Sets the password with the reset link's hash; every session of the customer ends (log in anew). */
  async updatePassword(body: PasswordUpdateInput): Promise<void> {
    await this.call<undefined>('updatePassword', { body });
  }

  /** Changes the logged-in customer's password; this session stays, the customer's others end. */
  async changePassword(body: PasswordChangeInput): Promise<void> {
    await this.call<undefined>('changePassword', { body });
  }

  /**
   * The address to send the browser to (location.assign) for a logout through SCAYLE, which also ends
   * an identity provider's session; `callbackUrl` must be on LOGOUT_CALLBACK_URLS. Web mode only.
   */
  logoutRedirectUrl(callbackUrl: string): string {
    return `${this.baseUrl}${ROUTES.logoutRedirect.path}?callback_url=${encodeURIComponent(callbackUrl)}`;
  }
  // --- end issue 15 ---

  /** Social login with a provider code (seed 004); the provider goes in the path. */
  socialLogin(input: SocialLoginInput): Promise<TokenResponse> {
    const { provider, ...body } = input;
    return this.call('socialLogin', { body, params: { provider }, createsSession: true });
  }

  /** Web mode: the address to navigate the browser to (location.assign) to log in by SCAYLE SSO. */
  ssoStartUrl(provider: string, options: SsoStartOptions): string {
    const query = new URLSearchParams({ return_to: options.returnTo });
    if (options.errorReturnTo !== undefined) query.set('error_return_to', options.errorReturnTo);
    return `${this.baseUrl}${ROUTES.ssoStart.path.replace('{provider}', encodeURIComponent(provider))}?${query.toString()}`;
  }

  health(): Promise<{ status: 'ok' }> {
    return this.call('health');
  }

  /** Readiness; a 503 is an answer here (it names the failing part), not an error. */
  ready(): Promise<Readiness> {
    return this.call('ready', { accept: [503] });
  }

  private async call<T>(operation: Operation, options: CallOptions = {}): Promise<T> {
    const { method, path } = ROUTES[operation];
    const url = this.baseUrl + path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params?.[name] ?? ''));
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    // The CSRF rule wants it on POST/DELETE; leaving it off GETs spares cross-origin storefronts a preflight.
    if (this.mode === 'web' && method !== 'GET') headers['x-requested-with'] = 'XMLHttpRequest';
    if (this.mode === 'token') {
      if (options.createsSession && this.clientKey) headers['x-client-key'] = this.clientKey;
      else if (this.currentToken !== undefined) headers.authorization = `Token ${this.currentToken}`;
    }

    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        // Token mode must not ride on a cookie the browser may also hold; web mode lives on it.
        credentials: this.mode === 'web' ? 'include' : 'omit',
      });
    } catch (error) {
      throw new BffError(0, undefined, undefined, error instanceof Error ? error.message : 'network error');
    }
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const text = await response.text();
    const data = parse(text);

    if (!response.ok && !options.accept?.includes(response.status)) {
      const problem = isProblem(data) ? data : undefined;
      // The service has ended (or never knew) this session: forget the token so the app can log in anew.
      if (problem?.code === 'SESSION_MISSING' || problem?.code === 'SESSION_EXPIRED') this.remember(undefined);
      throw new BffError(response.status, problem, requestId);
    }
    if (options.createsSession && this.mode === 'token') {
      const sessionToken = (data as { session_token?: unknown } | undefined)?.session_token;
      if (typeof sessionToken === 'string') this.remember(sessionToken);
    }
    return data as T;
  }

  private remember(token: string | undefined): void {
    if (token === this.currentToken) return;
    this.currentToken = token;
    this.onSessionToken?.(token);
  }
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string';
}
