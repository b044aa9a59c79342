// deploy/sentinel/compose.yml, the README's Sentinel example: the service's variables exist in the config
// schema, the primary's name is the one the sentinels monitor, and every sentinel the service lists is there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config.js';

interface Service {
  command?: string[] | string;
  environment?: Record<string, string>;
}
const compose = parse(readFileSync(new URL('../../deploy/sentinel/compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};

describe('deploy/sentinel/compose.yml', () => {
  it('configures the service for Sentinel with variables the schema knows', () => {
    const env = compose.services.bff?.environment ?? {};
    const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    expect(env.REDIS_URL).toBe('');
    const script = [compose.services['sentinel-1']?.command ?? []].flat().join('\n');
    expect(script).toContain(`sentinel monitor ${env.REDIS_SENTINEL_NAME} redis-primary 6379 2`);
    for (const entry of (env.REDIS_SENTINELS ?? '').split(',')) {
      const [host, port] = entry.split(':');
      expect(compose.services[host!]?.command, entry).toEqual(compose.services['sentinel-1']?.command);
      expect(port).toBe('26379');
    }
  });
});
