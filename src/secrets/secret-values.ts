// issue 18 part 4: the secrets in use, as one snapshot object (replaced whole on a reload, never mutated),
// taken from the parsed Config at start-up, and the fingerprint that names a value in metrics and logs.
import { createHmac } from 'node:crypto';
import type { Config } from '../config-schema.js';
import type { SecretName } from './secret-variables.js';

export interface SecretValues {
  SCAYLE_CLIENT_SECRET: string;
  SCAYLE_SHOP_SECRET: string;
  /** The key ring; the first encrypts. */
  SESSION_ENCRYPTION_KEYS: readonly string[];
  PASSWORD_VALIDATION_PASSWORD: string | undefined;
  ADMIN_API_TOKEN: string | undefined;
  REDIS_URL: string | undefined;
  REDIS_PASSWORD: string | undefined;
  REDIS_SENTINEL_PASSWORD: string | undefined;
}

/** The values the service starts with (dev-mode defaults included). */
export function secretValuesOf(config: Config): SecretValues {
  const target = config.redis?.target;
  return {
    SCAYLE_CLIENT_SECRET: config.scayle.clientSecret,
    SCAYLE_SHOP_SECRET: config.scayle.shopSecret,
    SESSION_ENCRYPTION_KEYS: config.session.encryptionKeys,
    PASSWORD_VALIDATION_PASSWORD: config.passwordValidation?.password,
    ADMIN_API_TOKEN: config.enrichment?.adminApi.token,
    REDIS_URL: target?.kind === 'url' ? target.url : undefined,
    REDIS_PASSWORD: target?.kind === 'url' ? undefined : target?.password,
    REDIS_SENTINEL_PASSWORD: target?.kind === 'sentinel' ? target.sentinelPassword : undefined,
  };
}

/**
 * 8 hex digits of HMAC-SHA256 over the value (a key ring: its keys joined by commas), keyed with `key`, the
 * newest session encryption key: enough to tell two values apart across the instances that share the ring,
 * while whoever reads /metrics without that key cannot test guesses of a weak secret offline (a plain hash
 * would let them). Ops compare it with `printf %s "$value" | openssl dgst -sha256 -hmac "$key"`.
 */
export function fingerprint(value: string | readonly string[], key: string): string {
  const text = typeof value === 'string' ? value : value.join(',');
  return createHmac('sha256', key).update(text, 'utf8').digest('hex').slice(0, 8);
}

export function sameValue(a: SecretValues[SecretName], b: SecretValues[SecretName]): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}
