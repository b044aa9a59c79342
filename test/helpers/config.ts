// Config tests: the problems loadConfig reports for an environment (it must throw a ConfigError).
import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
