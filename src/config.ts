// Configuration: one zod schema over the environment, parsed once at start-up. Every problem is reported
// at once, naming the variable and never its value (several are secrets).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseOriginList, parseUrlList } from './config-lists.js';

/** Values used only in dev mode (no SCAYLE_AUTH_BASE_URL): the embedded emulator accepts them. */
export const DEV_DEFAULTS = {
  clientId: 'dev-client',
  clientSecret: 'dev-client-secret',
  shopId: 1,
  shopSecret: 'dev-shop-secret',
} as const;

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalString = z.string().trim().min(1).optional();
const csv = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('TCP port to listen on'),
  HOST: z.string().default('0.0.0.0').describe('Interface to bind'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  TRUST_PROXY: z
    .string()
    .optional()
    .describe('Fastify trustProxy: "true", a hop count, or comma-separated proxy IPs/CIDRs; unset trusts none'),

  SCAYLE_AUTH_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Auth API origin; unset = dev mode with the embedded emulator'),
  SCAYLE_CLIENT_ID: optionalString.describe('OAuth client id (Basic auth upstream)'),
  SCAYLE_CLIENT_SECRET: optionalString.describe('OAuth client secret (Basic auth upstream)'),
  SCAYLE_SHOP_ID: z.coerce.number().int().positive().optional().describe('SCAYLE shop id, injected upstream'),
  SCAYLE_SHOP_SECRET: optionalString.describe('Shop (checkout) secret that signs redirect JWTs'),
  SCAYLE_JWKS_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('JWKS URL; default <base>/.well-known/jwks.json'),
  SCAYLE_CLIENT_KEY: optionalString.describe('client_key for magic-link and social login; default SCAYLE_CLIENT_ID'),
  UPSTREAM_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(2000).describe('Upstream connect timeout'),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(5000).describe('Upstream headers/body timeout'),

  REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .optional()
    .describe('Redis URL; unset = bounded in-memory store (one process only)'),
  REDIS_KEY_PREFIX: z.string().default('bff:').describe('Prefix of every Redis key this service writes'),

  SESSION_COOKIE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .describe('Session cookie name'),
  SESSION_COOKIE_SECURE: bool.default(false).describe('Secure cookie with the __Host- prefix'),
  SESSION_IDLE_TTL_SECONDS: z.coerce.number().int().min(1).default(1800).describe('Sliding idle timeout'),
  SESSION_ABSOLUTE_TTL_SECONDS: z.coerce.number().int().min(1).default(604800).describe('Absolute session lifetime'),
  SESSION_ENCRYPTION_KEYS: z.string().optional().describe('Comma-separated secrets (>= 32 chars each); the first encrypts'),
  SESSION_MEMORY_MAX_ENTRIES: z.coerce.number().int().positive().default(100_000).describe('Bound of the in-memory store'),

  ALLOWED_ORIGINS: z.string().optional().describe('Comma-separated origins allowed for CSRF/CORS'),
  PASSWORD_RESET_URL: z.string().includes('{hash}').optional().describe('Storefront reset page; must contain {hash}'),
  MAGIC_LINK_URL: z.string().includes('{token}').optional().describe('Storefront magic-link page; must contain {token}'),
  LOGOUT_CALLBACK_URLS: z.string().optional().describe('Allow-list of logout redirect callback URLs'),
  CLIENT_KEYS: z.string().optional().describe('Comma-separated key=mode (cookie|token) entries'),
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe("The service's own external URL"),
  SOCIAL_PROVIDERS: z.string().optional().describe('Comma-separated social provider / idp keys'),
  SOCIAL_REDIRECT_URIS: z.string().optional().describe('Allow-list of social redirect_uri / return_to URLs'),

  RATE_LIMIT_IP_PER_MINUTE: z.coerce.number().int().positive().default(600).describe('Per-IP budget on credential routes'),
  RATE_LIMIT_EMAIL_PER_MINUTE: z.coerce.number().int().positive().default(10).describe('Per-e-mail budget on credential routes'),
  // --- issue 16 (social login / SSO / mobile) ---
  RATE_LIMIT_CLIENT_KEY_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(3000)
    .describe('Budget per token-mode x-client-key on credential routes (all logins of one app build together)'),
  // --- end issue 16 ---
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
});

type Env = z.infer<typeof schema>;

/** Every environment variable the service reads, with its description (for docs and .env.example checks). */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; description: string | undefined }> = Object.entries(schema.shape).map(
  ([name, field]) => ({ name, description: field.description }),
);

export type ClientMode = 'cookie' | 'token';

export interface Config {
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  /** Fastify's trustProxy: a flag, a list of proxy addresses/CIDRs, or a hop-count predicate. */
  trustProxy: boolean | string[] | ((address: string, hop: number) => boolean);
  devMode: boolean;
  scayle: {
    baseUrl: string | undefined;
    clientId: string;
    clientSecret: string;
    shopId: number;
    shopSecret: string;
    jwksUrl: string | undefined;
    clientKey: string;
    connectTimeoutMs: number;
    timeoutMs: number;
  };
  redis: { url: string; keyPrefix: string } | undefined;
  session: {
    cookieName: string;
    cookieSecure: boolean;
    idleTtlSeconds: number;
    absoluteTtlSeconds: number;
    /** Raw key secrets; the first encrypts. Generated per process in dev mode when unset. */
    encryptionKeys: string[];
    encryptionKeysGenerated: boolean;
    memoryMaxEntries: number;
  };
  allowedOrigins: string[];
  passwordResetUrl: string | undefined;
  magicLinkUrl: string | undefined;
  logoutCallbackUrls: string[];
  clientKeys: Map<string, ClientMode>;
  publicBaseUrl: string | undefined;
  socialProviders: string[];
  socialRedirectUris: string[];
  rateLimit: { ipPerMinute: number; emailPerMinute: number; clientKeyPerMinute: number };
  /** Load shedding threshold (MAX_EVENT_LOOP_DELAY_MS); 0 disables the delay check. */
  maxEventLoopDelayMs: number;
  /** Load shedding threshold (MAX_EVENT_LOOP_UTILIZATION); 0 disables the utilisation check. */
  maxEventLoopUtilization: number;
}

/** Thrown by loadConfig; the message lists every offending variable and no value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset: compose files and .env templates write `VAR=` for "not configured".
  const cleaned: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // zod's messages name expectations, not the received value; still, keep only the expectation.
      problems.push(`${issue.path.join('.')}: ${issue.message.replace(/, received .*$/, '')}`);
    }
  }
  // Rules across variables are checked on the raw values too, so one run reports everything at once.
  if (cleaned.SCAYLE_AUTH_BASE_URL !== undefined) {
    for (const name of ['SCAYLE_CLIENT_ID', 'SCAYLE_CLIENT_SECRET', 'SCAYLE_SHOP_ID', 'SCAYLE_SHOP_SECRET', 'SESSION_ENCRYPTION_KEYS']) {
      if (cleaned[name] === undefined) problems.push(`${name}: required when SCAYLE_AUTH_BASE_URL is set`);
    }
  }
  const keys = csv(cleaned.SESSION_ENCRYPTION_KEYS);
  if (keys.some((k) => k.length < 32)) problems.push('SESSION_ENCRYPTION_KEYS: every key must be at least 32 characters');
  const clientKeys = new Map<string, ClientMode>();
  for (const entry of csv(cleaned.CLIENT_KEYS)) {
    const [key, mode, extra] = entry.split('=').map((s) => s.trim());
    if (!key || (mode !== 'cookie' && mode !== 'token') || extra !== undefined || !/^[\w.-]{1,128}$/.test(key)) {
      problems.push('CLIENT_KEYS: entries must be key=cookie or key=token');
      break;
    }
    clientKeys.set(key, mode);
  }
  const allowedOrigins = parseOriginList('ALLOWED_ORIGINS', cleaned.ALLOWED_ORIGINS, problems);
  const logoutCallbackUrls = parseUrlList('LOGOUT_CALLBACK_URLS', cleaned.LOGOUT_CALLBACK_URLS, problems);
  const socialRedirectUris = parseUrlList('SOCIAL_REDIRECT_URIS', cleaned.SOCIAL_REDIRECT_URIS, problems);
  problems.push(...socialProblems(cleaned, cleaned.SCAYLE_AUTH_BASE_URL === undefined));
  if (!parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  const devMode = e.SCAYLE_AUTH_BASE_URL === undefined;
  if (e.SESSION_ABSOLUTE_TTL_SECONDS < e.SESSION_IDLE_TTL_SECONDS) {
    problems.push('SESSION_ABSOLUTE_TTL_SECONDS: must not be shorter than SESSION_IDLE_TTL_SECONDS');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    devMode,
    scayle: {
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
    redis: e.REDIS_URL === undefined ? undefined : { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    session: {
      cookieName: e.SESSION_COOKIE_NAME ?? (e.SESSION_COOKIE_SECURE ? '__Host-bff_session' : 'bff_session'),
      cookieSecure: e.SESSION_COOKIE_SECURE,
      idleTtlSeconds: e.SESSION_IDLE_TTL_SECONDS,
      absoluteTtlSeconds: e.SESSION_ABSOLUTE_TTL_SECONDS,
      encryptionKeys: keys.length > 0 ? keys : [randomBytes(32).toString('base64url')],
      encryptionKeysGenerated: keys.length === 0,
      memoryMaxEntries: e.SESSION_MEMORY_MAX_ENTRIES,
    },
    allowedOrigins,
    passwordResetUrl: e.PASSWORD_RESET_URL,
    magicLinkUrl: e.MAGIC_LINK_URL,
    logoutCallbackUrls,
    clientKeys,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    socialProviders: csv(e.SOCIAL_PROVIDERS),
    socialRedirectUris,
    rateLimit: {
      ipPerMinute: e.RATE_LIMIT_IP_PER_MINUTE,
      emailPerMinute: e.RATE_LIMIT_EMAIL_PER_MINUTE,
      clientKeyPerMinute: e.RATE_LIMIT_CLIENT_KEY_PER_MINUTE,
    },
    maxEventLoopDelayMs: e.MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: e.MAX_EVENT_LOOP_UTILIZATION,
  };
}

// --- issue 16 (social login / SSO) ---
/** Provider names become a path segment (/auth/social/:provider) and SCAYLE's idpKey. */
const PROVIDER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const RESERVED_PROVIDERS = new Set(['callback', 'login']);

/**
 * PUBLIC_BASE_URL builds the SSO callback URL SCAYLE sends the browser to, so it is required once social
 * providers are configured; only dev mode (the emulator as SCAYLE) falls back to the request's own origin.
 * Provider names must be plain path segments that do not collide with /auth/social/callback or /login.
 */
function socialProblems(env: Record<string, string | undefined>, devMode: boolean): string[] {
  const providers = csv(env.SOCIAL_PROVIDERS);
  const problems: string[] = [];
  if (providers.some((p) => !PROVIDER_NAME.test(p) || RESERVED_PROVIDERS.has(p))) {
    problems.push('SOCIAL_PROVIDERS: entries must be names of letters, digits, ".", "_" or "-" (not "callback" or "login")');
  }
  if (providers.length > 0 && !devMode && env.PUBLIC_BASE_URL === undefined) {
    problems.push('PUBLIC_BASE_URL: required when SOCIAL_PROVIDERS is set');
  }
  return problems;
}
// --- end issue 16 ---

function parseTrustProxy(value: string | undefined): Config['trustProxy'] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return csv(value);
}
