// Everything the interleaved rounds run against, each in its own process: bare Fastify; emulator A
// (password logins, sessions, cached tokens) and emulator B (guest logins and refreshes: 20 s access tokens
// so every token request refreshes, rotation off so one refresh token can be replayed directly); the
// service and the naive baseline once in front of each emulator (plus a second service instance that writes
// the access line of every hot-route answer, ACCESS_LOG_HOT_ROUTES=all, to price those lines, and a third
// with traces on, exporting over OTLP to a local sink that discards them, to price tracing; and a fourth
// with the session cache off, SESSION_CACHE_MAX_ENTRIES=0);
// the one-round-trip floor (Fastify + @fastify/cookie + one GET); and the sessions each one needs.
import { randomBytes } from 'node:crypto';
import { inBatches } from './http.js';
import { CREDENTIALS, loginDirect, loginVia, registerDirect, serviceEnv } from './actors.js';
import { startTarget, type Target } from './proc.js';

export interface WorldOptions {
  redisUrl: string;
  /** Every Redis key of this run starts with it. */
  prefix: string;
  encryptionKey: string;
  logLevel: string;
  /** Load shedding by event-loop utilisation on at SHEDDING_THRESHOLD, or off (MAX_EVENT_LOOP_UTILIZATION=0). */
  shedding: boolean;
  /** Sessions prepared per system (one per connection). */
  sessions: number;
}

export interface World {
  bare: Target;
  /** Fastify + @fastify/cookie + one auto-pipelined GET of a 1 KB value (targets/floor.ts). */
  floor: Target;
  emulatorA: Target;
  emulatorB: Target;
  serviceA: Target;
  serviceB: Target;
  /** A second instance in front of emulator A on service A's Redis prefix with ACCESS_LOG_HOT_ROUTES=all. */
  serviceLogged: Target;
  /** A third instance like service A with traces on (OTLP/HTTP to `traceSink`). */
  serviceTraced: Target;
  /** A fourth instance like service A with the session cache off (SESSION_CACHE_MAX_ENTRIES=0). */
  serviceNoCache: Target;
  /** The OTLP/HTTP collector serviceTraced exports to: accepts, counts and discards. */
  traceSink: Target;
  naiveA: Target;
  naiveB: Target;
  prefixes: { serviceA: string; serviceB: string; naive: string };
  emails: { a: string; b: string };
  cookies: { serviceA: string[]; serviceB: string[]; naiveA: string[]; naiveB: string[]; floor: string[] };
  /** Refresh tokens from direct logins at emulator B. */
  refreshTokens: string[];
  close(): Promise<void>;
}

/** The utilisation threshold the shedding experiment (and `--with-shedding`) uses. */
export const SHEDDING_THRESHOLD = 0.98;

export function startEmulator(name: string, options: Record<string, unknown> = {}): Promise<Target> {
  return startTarget(name, 'emulator.ts', { options: { ...CREDENTIALS, ...options } });
}

/** The session cache off, as the issue 20 variable turns it off. */
export const NO_CACHE_ENV = { SESSION_CACHE_MAX_ENTRIES: '0' };

/** The span names of the traced scenarios' request spans, which the sink counts. */
export const TRACED_SPAN_NAMES = ['GET /auth/session', 'POST /auth/token'];

/** Traces on as production turns them on: the standard variables, the OTLP/HTTP exporter, default batching. */
export function tracingEnv(sink: Target): Record<string, string> {
  return {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${sink.url}/v1/traces`,
  };
}

export function startService(
  name: string,
  upstream: Target,
  o: WorldOptions,
  keyPrefix: string,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<Target> {
  // Explicit either way, whatever the default: a closed-loop benchmark saturates the event loop by design, so
  // shedding by utilisation would turn a cost measurement into a count of 503s. The delay check stays on.
  const env = {
    ...serviceEnv(upstream.url, o.redisUrl, keyPrefix, o.encryptionKey, o.logLevel),
    MAX_EVENT_LOOP_UTILIZATION: o.shedding ? String(SHEDDING_THRESHOLD) : '0',
    // The login scenario logs one member in thousands of times; at the default of 100 live sessions per
    // customer it would end the sessions the other scenarios (and the byte measurement) hold.
    SESSIONS_PER_CUSTOMER_MAX: '10000',
    ...extraEnv,
  };
  return startTarget(name, 'service.ts', { env, nodeArgs });
}

export function startNaive(name: string, upstream: Target, o: WorldOptions, keyPrefix: string): Promise<Target> {
  const options = { ...CREDENTIALS, upstreamUrl: upstream.url, redisUrl: o.redisUrl, keyPrefix, sessionSecret: o.encryptionKey };
  return startTarget(name, 'naive.ts', { options });
}

/** Starts every target (stopping the ones that did start if one fails) and prepares sessions. */
export async function startWorld(o: WorldOptions): Promise<World> {
  const started: Target[] = [];
  const track = async (p: Promise<Target>): Promise<Target> => {
    const t = await p;
    started.push(t);
    return t;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((t) => t.stop()));
  };
  const prefixes = { serviceA: `${o.prefix}svc-a:`, serviceB: `${o.prefix}svc-b:`, naive: `${o.prefix}naive:` };
  try {
    const floorTokens = Array.from({ length: o.sessions }, () => randomBytes(32).toString('base64url'));
    const floorOptions = { redisUrl: o.redisUrl, keyPrefix: `${o.prefix}floor:`, tokens: floorTokens };
    const [emulatorA, emulatorB, bare, floor, traceSink] = await Promise.all([
      track(startEmulator('emulator-a')),
      track(startEmulator('emulator-b', { accessTokenTtlSeconds: 20, rotation: 'off' })),
      track(startTarget('bare-fastify', 'bare-fastify.ts')),
      track(startTarget('floor', 'floor.ts', { options: floorOptions })),
      track(startTarget('trace-sink', 'trace-sink.ts', { options: { names: TRACED_SPAN_NAMES } })),
    ]);
    const [serviceA, serviceB, serviceLogged, serviceTraced, serviceNoCache, naiveA, naiveB] = await Promise.all([
      track(startService('service-a', emulatorA, o, prefixes.serviceA)),
      track(startService('service-b', emulatorB, o, prefixes.serviceB)),
      track(startService('service-logged', emulatorA, o, prefixes.serviceA, [], { ACCESS_LOG_HOT_ROUTES: 'all' })),
      track(startService('service-traced', emulatorA, o, prefixes.serviceA, [], tracingEnv(traceSink))),
      track(startService('service-nocache', emulatorA, o, prefixes.serviceA, [], NO_CACHE_ENV)),
      track(startNaive('naive-a', emulatorA, o, prefixes.naive)),
      track(startNaive('naive-b', emulatorB, o, prefixes.naive)),
    ]);
    const emails = { a: 'member-a@bench.example', b: 'member-b@bench.example' };
    await Promise.all([registerDirect(emulatorA.url, emails.a), registerDirect(emulatorB.url, emails.b)]);
    const n = o.sessions;
    const [sa, sb, na, nb, refreshTokens] = await Promise.all([
      inBatches(n, 4, () => loginVia(serviceA.url, emails.a)),
      inBatches(n, 4, () => loginVia(serviceB.url, emails.b)),
      inBatches(n, 4, () => loginVia(naiveA.url, emails.a)),
      inBatches(n, 4, () => loginVia(naiveB.url, emails.b)),
      inBatches(n, 4, () => loginDirect(emulatorB.url, emails.b)),
    ]);
    return {
      bare,
      floor,
      emulatorA,
      emulatorB,
      serviceA,
      serviceB,
      serviceLogged,
      serviceTraced,
      serviceNoCache,
      traceSink,
      naiveA,
      naiveB,
      prefixes,
      emails,
      cookies: { serviceA: sa, serviceB: sb, naiveA: na, naiveB: nb, floor: floorTokens.map((token) => `sid=${token}`) },
      refreshTokens,
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
