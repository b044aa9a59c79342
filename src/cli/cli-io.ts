// What the ops commands share: where they print, and loading the service's configuration the way the
// server does, reporting a bad one as a message (every problem, no value) and an exit code.
import { ConfigError, loadConfig, type Config } from '../config.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The configuration, or undefined after printing why it is invalid (the caller exits non-zero). */
export function loadCliConfig(env: Record<string, string | undefined>, io: Pick<CliIo, 'err'>): Config | undefined {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return undefined;
  }
}
