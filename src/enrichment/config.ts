// issue 17 part 4: the enrichment variables (profile fields, the Admin API, retries, where the worker runs),
// spread into the one config schema (config-schema.ts) with their cross-variable rule and Config block.
import { z } from 'zod';
import { parseProfileFields, type ProfileField } from './profile-fields.js';

const optionalString = z.string().trim().min(1).optional();

export const enrichmentFields = {
  REGISTER_PROFILE_FIELDS: z
    .string()
    .optional()
    .transform((value, ctx): ProfileField[] => {
      const entries = (value ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const parsed = parseProfileFields(entries);
      if (typeof parsed !== 'string') return parsed;
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    })
    .describe(
      'Optional extra fields of POST /auth/register sent to the Admin API, e.g. birth_date:date,phone:string (types: string, date)',
    ),
  ADMIN_API_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('SCAYLE Admin API base, e.g. https://acme-live.admin.api.scayle.cloud/api/admin/v1; required with REGISTER_PROFILE_FIELDS'),
  ADMIN_API_TOKEN: optionalString.describe('Admin API access token (X-Access-Token header)'),
  ADMIN_API_SHOP_KEY: optionalString.describe('Admin API shop key (e.g. acme)'),
  ADMIN_API_COUNTRY_CODE: optionalString.describe('Admin API shop country code (e.g. DE)'),
  ENRICHMENT_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8).describe('Tries per profile update before it is dead-lettered'),
  ENRICHMENT_BACKOFF_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5_000)
    .describe('First retry delay of a profile update; doubles per try (exponential backoff)'),
  ENRICHMENT_WORKER: z
    .stringbool()
    .default(true)
    .describe('false: this process only queues profile updates (run npm run worker elsewhere)'),
};

export const ADMIN_API_VARIABLES = ['ADMIN_API_BASE_URL', 'ADMIN_API_TOKEN', 'ADMIN_API_SHOP_KEY', 'ADMIN_API_COUNTRY_CODE'] as const;

/** Dev mode answers the Admin API from the embedded emulator (withEmbeddedEmulator), so only outside it are these required. */
export function enrichmentRules(env: Record<string, unknown>, devMode: boolean, problem: (name: string, message: string) => void): void {
  const declared = typeof env.REGISTER_PROFILE_FIELDS === 'string' && env.REGISTER_PROFILE_FIELDS.trim() !== '';
  if (!declared || devMode) return;
  for (const name of ADMIN_API_VARIABLES) if (env[name] === undefined) problem(name, 'required when REGISTER_PROFILE_FIELDS is set');
}

type EnrichmentEnv = z.output<z.ZodObject<typeof enrichmentFields>>;

/** Where the emulator serves the Admin API (dev mode points ADMIN_API_BASE_URL there). */
export const EMULATOR_ADMIN_API_PATH = '/api/admin/v1';

/** Dev-mode Admin API values: the embedded emulator accepts them. */
export const DEV_ADMIN_API = { token: 'dev-admin-token', shopKey: 'dev', countryCode: 'DE' } as const;

/** Config.enrichment: undefined when no profile field is declared (nothing is queued, no worker runs). */
export function toEnrichmentConfig(e: EnrichmentEnv) {
  if (e.REGISTER_PROFILE_FIELDS.length === 0) return undefined;
  return {
    profileFields: e.REGISTER_PROFILE_FIELDS,
    adminApi: {
      /** Undefined only in dev mode, until withEmbeddedEmulator points it at the emulator. */
      baseUrl: e.ADMIN_API_BASE_URL,
      token: e.ADMIN_API_TOKEN ?? DEV_ADMIN_API.token,
      shopKey: e.ADMIN_API_SHOP_KEY ?? DEV_ADMIN_API.shopKey,
      countryCode: e.ADMIN_API_COUNTRY_CODE ?? DEV_ADMIN_API.countryCode,
    },
    attempts: e.ENRICHMENT_ATTEMPTS,
    backoffMs: e.ENRICHMENT_BACKOFF_MS,
    runWorker: e.ENRICHMENT_WORKER,
  };
}
export type EnrichmentConfig = NonNullable<ReturnType<typeof toEnrichmentConfig>>;
