// The configuration schema: the environment in, the Config object out (Config is its output type). Rules
// about one variable sit on its field; rules across variables sit in one superRefine (crossVariableRules).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { listVariable as list, parseClientKeys, parseOriginList, parseUrlList, splitList } from './config-lists.js';
import { redisFields, redisRules, redisTarget } from './redis/config.js';
import { enrichmentFields, enrichmentRules, toEnrichmentConfig } from './enrichment/config.js'; // issue 17 part 4
import { passwordValidationFields, passwordValidationRules, toPasswordValidationConfig } from './migration/config.js'; // issue 17
import { secretFileFields, secretFilesOf } from './secrets/secret-variables.js'; // issue 18 part 4

/** Values used only in dev mode (the embedded emulator accepts them). */
export const DEV_DEFAULTS = {
  clientId: 'dev-client',
  clientSecret: 'dev-client-secret',
  shopId: 1,
  shopSecret: 'dev-shop-secret',
} as const;

/** Outside dev mode the service refuses to start without each of these. */
export const REQUIRED_OUTSIDE_DEV_MODE = [
  'SCAYLE_AUTH_BASE_URL',
  'SCAYLE_CLIENT_ID',
  'SCAYLE_CLIENT_SECRET',
  'SCAYLE_SHOP_ID',
  'SCAYLE_SHOP_SECRET',
  'SESSION_ENCRYPTION_KEYS',
] as const;

export const CLIENT_MODES = ['cookie', 'token'] as const;
export type ClientMode = (typeof CLIENT_MODES)[number];

/** Fastify's trustProxy: a flag, a list of proxy addresses/CIDRs, or a hop-count predicate. */
export type TrustProxy = boolean | string[] | ((address: string, hop: number) => boolean);

const optionalString = z.string().trim().min(1).optional();
const httpUrl = z.url({ protocol: /^https?$/ });

const fields = {
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('TCP port to listen on'),
  HOST: z.string().default('0.0.0.0').describe('Interface to bind'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  ACCESS_LOG_HOT_ROUTES: z
    .enum(['all', 'failures'])
    .default('failures')
    .describe('Access lines of GET /auth/session and POST /auth/token: every answer, or only those of status 400 and above'),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform(parseTrustProxy)
    .describe('Fastify trustProxy: "true", a hop count, or comma-separated proxy IPs/CIDRs; unset trusts none'),
  DEV_MODE: z
    .stringbool()
    .default(false)
    .describe('true (npm run dev): with SCAYLE_AUTH_BASE_URL unset, the embedded emulator and throwaway secrets'),

  SCAYLE_AUTH_BASE_URL: httpUrl.optional().describe('Auth API origin; required unless DEV_MODE=true'),
  SCAYLE_CLIENT_ID: optionalString.describe('OAuth client id (Basic auth upstream)'),
  SCAYLE_CLIENT_SECRET: optionalString.describe('OAuth client secret (Basic auth upstream)'),
  SCAYLE_SHOP_ID: z.coerce.number().int().positive().optional().describe('SCAYLE shop id, injected upstream'),
  SCAYLE_SHOP_SECRET: optionalString.describe('Shop (checkout) secret that signs redirect JWTs'),
  SCAYLE_JWKS_URL: httpUrl.optional().describe('JWKS URL; default <base>/.well-known/jwks.json'),
  SCAYLE_CLIENT_KEY: optionalString.describe('client_key for magic-link and social login; default SCAYLE_CLIENT_ID'),
  UPSTREAM_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(2000).describe('Upstream connect timeout'),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(5000).describe('Upstream headers/body timeout'),

  // --- issue 18: one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS (src/redis/config.ts) ---
  ...redisFields,
  // issue 18 part 3: read by src/shops/load-shops.ts (each shop's variables go through this same schema).
  SHOPS_FILE: optionalString.describe(
    'JSON or YAML file listing several shops (hosts or path prefix, per-shop variables); unset: one shop',
  ),
  // --- end issue 18 ---

  SESSION_COOKIE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .describe('Session cookie name'),
  SESSION_COOKIE_SECURE: z.stringbool().default(false).describe('Secure cookie with the __Host- prefix'),
  SESSION_IDLE_TTL_SECONDS: z.coerce.number().int().min(1).default(1800).describe('Sliding idle timeout'),
  SESSION_ABSOLUTE_TTL_SECONDS: z.coerce.number().int().min(1).default(604800).describe('Absolute session lifetime'),
  SESSION_ENCRYPTION_KEYS: list(
    (keys) => (keys.every((k) => k.length >= 32) ? keys : undefined),
    'every key must be at least 32 characters',
  ).describe('Comma-separated secrets (>= 32 chars each); the first encrypts'),
  // issue 18: 0 = off; the scan reads every record header, so no faster than once a minute.
  SESSION_KEY_USAGE_SCAN_SECONDS: z.coerce
    .number()
    .int()
    .refine((s) => s === 0 || s >= 60, 'must be 0 (off) or at least 60')
    .default(0)
    .describe('Seconds between scans refreshing the session_key_usage_records gauge (0: off; the CLI key-usage always works)'),
  SESSION_MEMORY_MAX_ENTRIES: z.coerce.number().int().positive().default(100_000).describe('Bound of the in-memory store'),
  // issue 20: with any Redis (one node, Cluster or Sentinel); README "Session cache".
  SESSION_CACHE_MAX_ENTRIES: z.coerce
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('Opened session records kept per process, kept coherent by Redis client-side caching (0: off)'),

  ALLOWED_ORIGINS: list(parseOriginList, 'every entry must be an origin like https://shop.example').describe(
    'Comma-separated origins allowed for CSRF/CORS',
  ),
  PASSWORD_RESET_URL: z.string().includes('{hash}').optional().describe('Storefront reset page; must contain {hash}'),
  MAGIC_LINK_URL: z.string().includes('{token}').optional().describe('Storefront magic-link page; must contain {token}'),
  LOGOUT_CALLBACK_URLS: list(parseUrlList, 'every entry must be an absolute http(s) URL').describe(
    'Allow-list of logout redirect callback URLs',
  ),
  CLIENT_KEYS: list((entries) => parseClientKeys(entries, CLIENT_MODES), 'entries must be key=cookie or key=token').describe(
    'Comma-separated key=mode (cookie|token) entries',
  ),
  PUBLIC_BASE_URL: httpUrl.optional().describe("The service's own external URL"),
  SOCIAL_PROVIDERS: list(
    // Provider names become a path segment (/auth/social/:provider) and SCAYLE's idpKey.
    (entries) => (entries.every((p) => /^[A-Za-z0-9_.-]{1,64}$/.test(p) && p !== 'callback' && p !== 'login') ? entries : undefined),
    'entries must be names of letters, digits, ".", "_" or "-" (not "callback" or "login")',
  ).describe('Comma-separated social provider / idp keys'),
  SOCIAL_REDIRECT_URIS: list(parseUrlList, 'every entry must be an absolute http(s) URL').describe(
    'Allow-list of social redirect_uri / return_to URLs',
  ),

  RATE_LIMIT_IP_PER_MINUTE: z.coerce.number().int().positive().default(600).describe('Per-IP budget on credential routes'),
  RATE_LIMIT_EMAIL_PER_MINUTE: z.coerce.number().int().positive().default(10).describe('Per-e-mail budget on credential routes'),
  RATE_LIMIT_CLIENT_KEY_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(3000)
    .describe('Budget per token-mode x-client-key on credential routes (all logins of one app build together)'),
  MAX_EVENT_LOOP_DELAY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe('Shed requests (503) while the mean event-loop delay over the last second exceeds this; 0 disables the check'),
  MAX_EVENT_LOOP_UTILIZATION: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe('Shed requests (503) while the event loop was busier than this share of the last second; 0 (default) disables the check'),

  SESSIONS_PER_CUSTOMER_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(100)
    .describe('Live sessions one customer may hold; a new login beyond it ends the oldest'),
  RATE_LIMIT_SESSION_LIST_PER_MINUTE: z.coerce.number().int().positive().default(60).describe('Per-session budget of GET /auth/sessions'),

  // --- issue 19: traces (OpenTelemetry's standard variables; off unless one of the first three asks) ---
  OTEL_TRACES_EXPORTER: optionalString.describe('Traces on with this exporter (otlp, console); unset or none: off'),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional().describe('OTLP collector base URL; setting it turns traces on'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional().describe('OTLP traces URL; setting it turns traces on'),
  OTEL_SDK_DISABLED: z.stringbool().default(false).describe('true: no traces whatever the other OTEL_* variables say'),
  // --- issue 17: the password validation service (customer migration; src/migration/config.ts) ---
  ...passwordValidationFields,
  // --- issue 17 part 4: registration enrichment (src/enrichment/config.ts) ---
  ...enrichmentFields,
  // --- end issue 17 ---
  // --- issue 18 part 4: the *_FILE twins of the secret variables (src/secrets/secret-variables.ts) ---
  ...secretFileFields,
};

/** Every environment variable the service reads, with its description (for docs and .env.example checks). */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; description: string | undefined }> = Object.entries(fields).map(
  ([name, field]) => ({ name, description: field.description }),
);

type RawEnv = Record<string, unknown>;

/** issue 18 part 4: a re-read secret through its own field's schema (src/secrets/secret-store.ts validates reloads). */
export function parseField(name: keyof typeof fields, value: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const result = fields[name].safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, message: result.error.issues[0]?.message ?? 'invalid' };
}

/** One variable read through its own field schema: undefined when it is invalid (its field reports that). */
function read<K extends keyof typeof fields>(env: RawEnv, name: K): z.output<(typeof fields)[K]> | undefined {
  const result = fields[name].safeParse(env[name]);
  return result.success ? (result.data as z.output<(typeof fields)[K]>) : undefined;
}

/** Dev mode: DEV_MODE=true and no SCAYLE_AUTH_BASE_URL, i.e. the embedded emulator answers as SCAYLE. */
function isDevMode(devModeFlag: boolean | undefined, baseUrl: unknown): boolean {
  return devModeFlag === true && baseUrl === undefined;
}

// Rules across variables. They read the raw environment (each variable through its own field schema)
// instead of refining the parsed object, because zod skips an object's refinements once a field fails
// fatally (z.stringbool, .int()): this way one run reports every problem. Their output is {}, merged
// into the parsed fields by the intersection below; their issues end the parse (continue: false), as
// the raw environment they leave behind cannot be merged.
const crossVariableRules = z
  .looseObject({})
  .superRefine((env, ctx) => {
    const problem = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message, continue: false });
    // An invalid DEV_MODE counts as unset: the safe reading requires everything.
    if (!isDevMode(read(env, 'DEV_MODE'), env.SCAYLE_AUTH_BASE_URL)) {
      for (const name of REQUIRED_OUTSIDE_DEV_MODE) {
        if (env[name] === undefined) problem(name, 'required outside dev mode (DEV_MODE=true with SCAYLE_AUTH_BASE_URL unset)');
      }
    }
    const idle = read(env, 'SESSION_IDLE_TTL_SECONDS');
    const absolute = read(env, 'SESSION_ABSOLUTE_TTL_SECONDS');
    if (idle !== undefined && absolute !== undefined && absolute < idle) {
      problem('SESSION_ABSOLUTE_TTL_SECONDS', 'must not be shorter than SESSION_IDLE_TTL_SECONDS');
    }
    // PUBLIC_BASE_URL builds the SSO callback URL; only dev mode falls back to the request's own origin.
    const providers = read(env, 'SOCIAL_PROVIDERS');
    if (
      providers !== undefined &&
      providers.length > 0 &&
      env.PUBLIC_BASE_URL === undefined &&
      !isDevMode(read(env, 'DEV_MODE'), env.SCAYLE_AUTH_BASE_URL)
    ) {
      problem('PUBLIC_BASE_URL', 'required when SOCIAL_PROVIDERS is set');
    }
    redisRules(env, problem);
    passwordValidationRules(env, problem); // issue 17
    // issue 17 part 4: profile fields need the Admin API outside dev mode.
    enrichmentRules(env, isDevMode(read(env, 'DEV_MODE'), env.SCAYLE_AUTH_BASE_URL), problem);
    // Browsers drop a prefixed cookie set without Secure (and match the prefixes case-insensitively).
    const cookieName = read(env, 'SESSION_COOKIE_NAME');
    if (cookieName !== undefined && /^__(host|secure)-/i.test(cookieName) && read(env, 'SESSION_COOKIE_SECURE') !== true) {
      problem('SESSION_COOKIE_NAME', 'the __Host- and __Secure- prefixes require SESSION_COOKIE_SECURE=true');
    }
  })
  .transform(() => ({}));

type Env = z.output<z.ZodObject<typeof fields>>;

function toConfig(e: Env) {
  const devMode = isDevMode(e.DEV_MODE, e.SCAYLE_AUTH_BASE_URL);
  const redis = redisTarget(e); // issue 18
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    /** issue 20: whether the hot routes' successful answers get an access line (ACCESS_LOG_HOT_ROUTES). */
    accessLogHotRoutes: e.ACCESS_LOG_HOT_ROUTES,
    trustProxy: e.TRUST_PROXY,
    /** The embedded emulator answers as SCAYLE (server.ts starts it and sets scayle.baseUrl). */
    devMode,
    scayle: {
      /** Undefined only in dev mode, until server.ts has started the emulator. */
      baseUrl: e.SCAYLE_AUTH_BASE_URL,
      clientId: e.SCAYLE_CLIENT_ID ?? DEV_DEFAULTS.clientId,
      clientSecret: e.SCAYLE_CLIENT_SECRET ?? DEV_DEFAULTS.clientSecret,
      shopId: e.SCAYLE_SHOP_ID ?? DEV_DEFAULTS.shopId,
      shopSecret: e.SCAYLE_SHOP_SECRET ?? DEV_DEFAULTS.shopSecret,
      jwksUrl: e.SCAYLE_JWKS_URL,
      clientKey: e.SCAYLE_CLIENT_KEY ?? e.SCAYLE_CLIENT_ID ?? DEV_DEFAULTS.clientId,
      connectTimeoutMs: e.UPSTREAM_CONNECT_TIMEOUT_MS,
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
    },
    /** Where Redis is (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS); undefined: the in-memory store. */
    redis: redis === undefined ? undefined : { target: redis, keyPrefix: e.REDIS_KEY_PREFIX },
    session: {
      cookieName: e.SESSION_COOKIE_NAME ?? (e.SESSION_COOKIE_SECURE ? '__Host-bff_session' : 'bff_session'),
      cookieSecure: e.SESSION_COOKIE_SECURE,
      idleTtlSeconds: e.SESSION_IDLE_TTL_SECONDS,
      absoluteTtlSeconds: e.SESSION_ABSOLUTE_TTL_SECONDS,
      /** Raw key secrets; the first encrypts. Generated per process in dev mode (required otherwise). */
      encryptionKeys: e.SESSION_ENCRYPTION_KEYS.length > 0 ? e.SESSION_ENCRYPTION_KEYS : [randomBytes(32).toString('base64url')],
      encryptionKeysGenerated: e.SESSION_ENCRYPTION_KEYS.length === 0,
      memoryMaxEntries: e.SESSION_MEMORY_MAX_ENTRIES,
      /** issue 20: the Redis store's per-process read cache; 0 turns it off. */
      cacheMaxEntries: e.SESSION_CACHE_MAX_ENTRIES,
      keyUsageScanSeconds: e.SESSION_KEY_USAGE_SCAN_SECONDS,
    },
    allowedOrigins: e.ALLOWED_ORIGINS,
    passwordResetUrl: e.PASSWORD_RESET_URL,
    magicLinkUrl: e.MAGIC_LINK_URL,
    logoutCallbackUrls: e.LOGOUT_CALLBACK_URLS,
    clientKeys: e.CLIENT_KEYS,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    socialProviders: e.SOCIAL_PROVIDERS,
    socialRedirectUris: e.SOCIAL_REDIRECT_URIS,
    rateLimit: {
      ipPerMinute: e.RATE_LIMIT_IP_PER_MINUTE,
      emailPerMinute: e.RATE_LIMIT_EMAIL_PER_MINUTE,
      clientKeyPerMinute: e.RATE_LIMIT_CLIENT_KEY_PER_MINUTE,
    },
    /** Load shedding threshold (MAX_EVENT_LOOP_DELAY_MS); 0 disables the delay check. */
    maxEventLoopDelayMs: e.MAX_EVENT_LOOP_DELAY_MS,
    /** Load shedding threshold (MAX_EVENT_LOOP_UTILIZATION); 0 disables the utilisation check. */
    maxEventLoopUtilization: e.MAX_EVENT_LOOP_UTILIZATION,
    /** SESSIONS_PER_CUSTOMER_MAX: a customer's live sessions beyond it end, oldest first. */
    sessionsPerCustomerMax: e.SESSIONS_PER_CUSTOMER_MAX,
    /** RATE_LIMIT_SESSION_LIST_PER_MINUTE: per-session budget of GET /auth/sessions. */
    sessionListPerMinute: e.RATE_LIMIT_SESSION_LIST_PER_MINUTE,
    /** issue 19: server.ts loads src/telemetry/ only when this is true (the SDK reads the OTEL_* variables itself). */
    tracingEnabled: tracingEnabled(e),
    /** issue 17: the password validation route; undefined (no route) unless both credentials are set. */
    passwordValidation: toPasswordValidationConfig(e),
    /** issue 17 part 4: registration enrichment through the Admin API; undefined without REGISTER_PROFILE_FIELDS. */
    enrichment: toEnrichmentConfig(e),
    /** issue 18 part 4: the secret files to re-read (SIGHUP, a change, invalid_client), and whether to watch them. */
    secretFiles: { paths: secretFilesOf(e), watch: e.SECRET_FILES_WATCH },
  };
}

/** The environment (empty values removed) in, the service's configuration out. */
export const configSchema = z.intersection(z.object(fields), crossVariableRules).transform(toConfig);

export type Config = z.output<typeof configSchema>;

/** Off by default: an exporter or an OTLP endpoint turns traces on, OTEL_SDK_DISABLED=true always off. */
function tracingEnabled(e: Env): boolean {
  if (e.OTEL_SDK_DISABLED) return false;
  const exporter = e.OTEL_TRACES_EXPORTER;
  if (exporter !== undefined) return exporter !== 'none';
  return e.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
}

function parseTrustProxy(value: string | undefined): TrustProxy {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return splitList(value);
}
