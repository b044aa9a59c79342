// The scenarios of the interleaved rounds: which system, which route, which process serves it and the
// request autocannon sends. Every connection carries its own session where a session is involved.
import { BASIC_HEADERS, CREDENTIALS, GUEST, JSON_HEADERS, PASSWORD, STOREFRONT_HEADERS } from './actors.js';
import type { RequestSpec } from './load.js';
import type { Target } from './proc.js';
import type { World } from './world.js';

export type System = 'fastify' | 'upstream' | 'service' | 'nocache' | 'logged' | 'traced' | 'naive';
export type Route = 'hello' | 'floor' | 'session' | 'token' | 'login' | 'guest' | 'refresh';

export interface Scenario {
  id: string;
  system: System;
  route: Route;
  target: Target;
  spec: RequestSpec;
}

export const SYSTEM_LABELS: Record<System, string> = {
  fastify: 'bare Fastify',
  upstream: 'emulator direct',
  service: 'service',
  nocache: 'service, SESSION_CACHE_MAX_ENTRIES=0',
  logged: 'service, ACCESS_LOG_HOT_ROUTES=all',
  traced: 'service, tracing on (OTLP)',
  naive: 'naive (Express)',
};

export const ROUTE_LABELS: Record<Route, string> = {
  hello: 'GET /hello',
  floor: 'GET /floor (@fastify/cookie + one auto-pipelined GET of 1 KB)',
  session: 'GET /auth/session',
  token: 'POST /auth/token (cached)',
  login: 'POST /auth/login',
  guest: 'POST /auth/login/guest',
  refresh: 'POST /auth/token (refresh)',
};

const withCookies = (cookies: string[]) => cookies.map((cookie) => ({ headers: { cookie } }));

/** The same five routes, as the service and the naive baseline both expose them. */
export function bffScenarios(
  system: 'service' | 'nocache' | 'logged' | 'traced' | 'naive',
  a: Target,
  b: Target,
  cookiesA: string[],
  cookiesB: string[],
  email: string,
): Scenario[] {
  const headers = { ...JSON_HEADERS, ...STOREFRONT_HEADERS };
  return [
    { route: 'session', target: a, spec: { method: 'GET', path: '/auth/session', perConnection: withCookies(cookiesA) } },
    {
      route: 'token',
      target: a,
      spec: { method: 'POST', path: '/auth/token', headers: STOREFRONT_HEADERS, perConnection: withCookies(cookiesA) },
    },
    {
      route: 'login',
      target: a,
      spec: { method: 'POST', path: '/auth/login', headers, body: JSON.stringify({ email, password: PASSWORD }) },
    },
    { route: 'guest', target: b, spec: { method: 'POST', path: '/auth/login/guest', headers, body: JSON.stringify(GUEST) } },
    {
      route: 'refresh',
      target: b,
      spec: { method: 'POST', path: '/auth/token', headers: STOREFRONT_HEADERS, perConnection: withCookies(cookiesB) },
    },
  ].map((s) => ({ ...s, system, id: `${system}/${s.route}` }) as Scenario);
}

export function buildScenarios(world: World): Scenario[] {
  const shop = { shop_id: CREDENTIALS.shopId };
  const upstream: Scenario[] = [
    {
      route: 'login',
      target: world.emulatorA,
      spec: {
        method: 'POST',
        path: '/v1/auth/login',
        headers: BASIC_HEADERS,
        body: JSON.stringify({ email: world.emails.a, password: PASSWORD, ...shop }),
      },
    },
    {
      route: 'guest',
      target: world.emulatorB,
      spec: { method: 'POST', path: '/v1/auth/login/guest', headers: BASIC_HEADERS, body: JSON.stringify({ ...GUEST, ...shop }) },
    },
    {
      route: 'refresh',
      target: world.emulatorB,
      spec: {
        method: 'POST',
        path: '/v1/oauth/token',
        headers: BASIC_HEADERS,
        perConnection: world.refreshTokens.map((token) => ({
          body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: token }),
        })),
      },
    },
  ].map((s) => ({ ...s, system: 'upstream', id: `upstream/${s.route}` }) as Scenario);
  return [
    { id: 'fastify/hello', system: 'fastify', route: 'hello', target: world.bare, spec: { method: 'GET', path: '/hello' } },
    {
      id: 'fastify/floor',
      system: 'fastify',
      route: 'floor',
      target: world.floor,
      spec: { method: 'GET', path: '/floor', perConnection: withCookies(world.cookies.floor) },
    },
    ...upstream,
    ...bffScenarios('service', world.serviceA, world.serviceB, world.cookies.serviceA, world.cookies.serviceB, world.emails.a),
    // The same sessions through an instance with the session cache off (issue 20: cache on vs off).
    ...bffScenarios('nocache', world.serviceNoCache, world.serviceNoCache, world.cookies.serviceA, [], world.emails.a).filter(
      (s) => s.route === 'session' || s.route === 'token',
    ),
    // The same sessions through a second instance without per-request log lines: what logging costs.
    ...bffScenarios('logged', world.serviceLogged, world.serviceLogged, world.cookies.serviceA, [], world.emails.a).filter(
      (s) => s.route === 'session' || s.route === 'token',
    ),
    // And through a third with traces on: what tracing costs (the sink counts the spans that arrive).
    ...bffScenarios('traced', world.serviceTraced, world.serviceTraced, world.cookies.serviceA, [], world.emails.a).filter(
      (s) => s.route === 'session' || s.route === 'token',
    ),
    ...bffScenarios('naive', world.naiveA, world.naiveB, world.cookies.naiveA, world.cookies.naiveB, world.emails.a),
  ];
}
