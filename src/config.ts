// Configuration: the environment parsed once at start-up by the schema in config-schema.ts. Every problem
// is reported at once, naming the variable and never its value (several are secrets).
import { configSchema, type Config } from './config-schema.js';
import { EMULATOR_ADMIN_API_PATH } from './enrichment/config.js';
import { resolveSecretFiles } from './secrets/secret-variables.js';

export { CONFIG_VARIABLES, DEV_DEFAULTS, REQUIRED_OUTSIDE_DEV_MODE, configSchema } from './config-schema.js';
export type { ClientMode, Config, TrustProxy } from './config-schema.js';

/** Thrown by loadConfig; the message lists every offending variable and no value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment. Throws a ConfigError naming every problem: outside dev mode (DEV_MODE=true with
 * SCAYLE_AUTH_BASE_URL unset) the SCAYLE credentials, base URL and session keys are required.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset: compose files and .env templates write `VAR=` for "not configured".
  const cleaned = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''));
  // issue 18 part 4: each *_FILE twin's content stands in for its variable; its problems join the schema's.
  const files = resolveSecretFiles(cleaned);
  const parsed = configSchema.safeParse(files.env);
  if (parsed.success && files.problems.length === 0) return parsed.data;
  // zod's messages name expectations, not the received value; still, keep only the expectation.
  const issues = (parsed.error?.issues ?? []).filter((issue) => !files.failed.has(String(issue.path[0])));
  const schemaProblems = issues.map((issue) => `${issue.path.join('.')}: ${issue.message.replace(/, received .*$/, '')}`);
  throw new ConfigError([...files.problems, ...schemaProblems]);
}

/** Dev mode: the configuration pointed at the embedded emulator once server.ts (or a test) has started it. */
export function withEmbeddedEmulator(config: Config, emulatorUrl: string): Config {
  if (!config.devMode) throw new Error('the embedded emulator is only used in dev mode');
  // issue 17 part 4: the emulator also answers as the Admin API, unless one is configured.
  const enrichment = config.enrichment && {
    ...config.enrichment,
    adminApi: { ...config.enrichment.adminApi, baseUrl: config.enrichment.adminApi.baseUrl ?? `${emulatorUrl}${EMULATOR_ADMIN_API_PATH}` },
  };
  return { ...config, scayle: { ...config.scayle, baseUrl: emulatorUrl }, enrichment };
}
