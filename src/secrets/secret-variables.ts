// issue 18 part 4: the secret variables and their `_FILE` twins (mounted secrets). At start-up a twin's
// file, minus one trailing newline, becomes the variable's value before the schema parses it; setting both
// or naming an unreadable file is a configuration problem that names the variable and path, never content.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Every variable that holds a secret; each may be given as `<name>_FILE` instead. */
export const SECRET_VARIABLES = [
  'SCAYLE_CLIENT_SECRET',
  'SCAYLE_SHOP_SECRET',
  'SESSION_ENCRYPTION_KEYS',
  'PASSWORD_VALIDATION_PASSWORD',
  'ADMIN_API_TOKEN',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
] as const;
export type SecretName = (typeof SECRET_VARIABLES)[number];

const path = z.string().trim().min(1).optional();
const twin = (name: SecretName, note = '') => path.describe(`File holding ${name} (mounted secret), instead of ${name}${note}`);
const RELOADED = '; re-read on SIGHUP and when it changes';

/** The `_FILE` twins and the watch switch, spread into the one config schema (config-schema.ts). */
export const secretFileFields = {
  SCAYLE_CLIENT_SECRET_FILE: twin('SCAYLE_CLIENT_SECRET', RELOADED),
  SCAYLE_SHOP_SECRET_FILE: twin('SCAYLE_SHOP_SECRET', RELOADED),
  SESSION_ENCRYPTION_KEYS_FILE: twin('SESSION_ENCRYPTION_KEYS', RELOADED),
  PASSWORD_VALIDATION_PASSWORD_FILE: twin('PASSWORD_VALIDATION_PASSWORD', RELOADED),
  ADMIN_API_TOKEN_FILE: twin('ADMIN_API_TOKEN', RELOADED),
  REDIS_URL_FILE: twin('REDIS_URL', '; a re-read password applies at the next reconnect'),
  REDIS_PASSWORD_FILE: twin('REDIS_PASSWORD', '; a re-read one applies at the next reconnect'),
  REDIS_SENTINEL_PASSWORD_FILE: twin('REDIS_SENTINEL_PASSWORD', '; a re-read one applies at the next reconnect'),
  SECRET_FILES_WATCH: z
    .stringbool()
    .default(true)
    .describe('false: *_FILE secrets are re-read only on SIGHUP (and after SCAYLE answers invalid_client), not when they change'),
};

export const fileVariable = (name: SecretName) => `${name}_FILE` as const;

/** The file's content minus one trailing newline (editors and `echo` add one). */
export function secretFromText(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** Why a secret file gives no value: names the path and the error code, never the content. */
export function fileProblem(path: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return `cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`;
}

export interface ResolvedSecretFiles {
  /** The environment with each twin's value in place of the twin. */
  env: Record<string, string>;
  /** `<name>_FILE: ...` problems, in the ConfigError's format. */
  problems: string[];
  /** Variables whose twin failed: their own "required" problems would only repeat it. */
  failed: Set<string>;
}

/** Reads every `_FILE` twin set in `env` (empty values already removed). */
export function resolveSecretFiles(env: Record<string, string>): ResolvedSecretFiles {
  const out = { ...env };
  const problems: string[] = [];
  const failed = new Set<string>();
  for (const name of SECRET_VARIABLES) {
    const file = env[fileVariable(name)]?.trim();
    if (file === undefined || file === '') continue;
    const fail = (message: string) => {
      problems.push(`${fileVariable(name)}: ${message}`);
      failed.add(name);
    };
    if (env[name] !== undefined) {
      fail(`set ${name} or ${fileVariable(name)}, not both`);
      continue;
    }
    try {
      const value = secretFromText(readFileSync(file, 'utf8'));
      if (value.trim() === '') fail(`${file} is empty`);
      else out[name] = value;
    } catch (err) {
      fail(fileProblem(file, err));
    }
  }
  return { env: out, problems, failed };
}

/** The twins that are set, by secret variable (config.secretFiles.paths). */
export function secretFilesOf(e: { [K in keyof typeof secretFileFields]?: unknown }): Partial<Record<SecretName, string>> {
  const paths: Partial<Record<SecretName, string>> = {};
  for (const name of SECRET_VARIABLES) {
    const file = e[fileVariable(name)];
    if (typeof file === 'string') paths[name] = file;
  }
  return paths;
}
