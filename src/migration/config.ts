// issue 17: the PASSWORD_VALIDATION_* variables of the password validation route (customer migration),
// spread into the one config schema (config-schema.ts) with their cross-variable rule and Config block.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { listVariable as list } from '../config-lists.js';
import { parseCidrs } from '../http/ip-allow-list.js';

const optionalString = z.string().trim().min(1).optional();

export const passwordValidationFields = {
  PASSWORD_VALIDATION_USERNAME: optionalString.describe(
    'Basic-auth user SCAYLE sends to POST /checkout/password/credentials; with PASSWORD_VALIDATION_PASSWORD (both unset: no route)',
  ),
  PASSWORD_VALIDATION_PASSWORD: optionalString.describe('Basic-auth password of the password validation route'),
  PASSWORD_VALIDATION_ALLOWED_IPS: list(parseCidrs, 'every entry must be an IP address or CIDR, e.g. 203.0.113.0/24').describe(
    'Comma-separated CIDRs allowed to call the password validation route (client IP as TRUST_PROXY says); unset: any',
  ),
  PASSWORD_VALIDATION_CALLER_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(6000)
    .describe('Budget per calling IP of the password validation route (all migrating logins of a shop come from SCAYLE)'),
  PASSWORD_VALIDATION_EMAIL_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(10)
    .describe('Budget per e-mail of the password validation route'),
  PASSWORD_VALIDATION_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Hash checks run at once; 0 (default): one less than the CPU count, at least 1, so sessions keep a core'),
  PASSWORD_VALIDATION_QUEUE_MAX: z.coerce
    .number()
    .int()
    .min(0)
    .default(16)
    .describe('Hash checks that may wait for a slot; beyond it the route answers 503 with retry-after at once'),
};

type PasswordValidationEnv = z.output<z.ZodObject<typeof passwordValidationFields>>;

/** The route needs both of its credentials; one alone is a half-done setup (config superRefine). */
export function passwordValidationRules(env: Record<string, unknown>, problem: (name: string, message: string) => void): void {
  const user = env.PASSWORD_VALIDATION_USERNAME !== undefined;
  const password = env.PASSWORD_VALIDATION_PASSWORD !== undefined;
  if (user !== password)
    problem(user ? 'PASSWORD_VALIDATION_PASSWORD' : 'PASSWORD_VALIDATION_USERNAME', 'set both validation credentials or neither');
}

/** Undefined (no route) unless both credentials are set. */
export function toPasswordValidationConfig(e: PasswordValidationEnv) {
  if (e.PASSWORD_VALIDATION_USERNAME === undefined || e.PASSWORD_VALIDATION_PASSWORD === undefined) return undefined;
  return {
    username: e.PASSWORD_VALIDATION_USERNAME,
    password: e.PASSWORD_VALIDATION_PASSWORD,
    allowedIps: e.PASSWORD_VALIDATION_ALLOWED_IPS,
    callerPerMinute: e.PASSWORD_VALIDATION_CALLER_PER_MINUTE,
    emailPerMinute: e.PASSWORD_VALIDATION_EMAIL_PER_MINUTE,
    concurrency: e.PASSWORD_VALIDATION_CONCURRENCY || Math.max(1, availableParallelism() - 1),
    queueMax: e.PASSWORD_VALIDATION_QUEUE_MAX,
  };
}
