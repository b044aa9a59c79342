// The container files, linted without a Docker engine: the compose file parses and wires Redis and the
// service from .env, dev mode only in the dev profile, every variable it sets is one the service reads,
// and the Dockerfile keeps the properties ops rely on (test/e2e/production-start.test.ts runs its
// runtime stage).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config.js';

const read = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');
interface Service {
  build?: unknown;
  image?: string;
  env_file?: string | string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  command?: string[];
  healthcheck?: unknown;
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };

  it('runs Redis and the service, configured from .env, the service waiting for a healthy Redis', () => {
    const { redis, bff } = compose.services;
    expect(redis?.image).toMatch(/^redis:/);
    expect(redis?.healthcheck).toBeDefined();
    expect(bff?.build).toBeDefined();
    expect(bff?.env_file).toBe('.env');
    expect(bff?.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(bff?.depends_on?.redis?.condition).toBe('service_healthy');
  });

  it('never sets DEV_MODE on the production service', () => {
    expect(compose.services.bff?.profiles).toBeUndefined();
    expect(compose.services.bff?.environment).not.toHaveProperty('DEV_MODE');
  });

  it('runs dev mode only in the dev profile: DEV_MODE=true and no SCAYLE_AUTH_BASE_URL, so the embedded emulator', () => {
    const dev = Object.values(compose.services).filter((service) => service.environment?.DEV_MODE !== undefined);
    expect(dev).toHaveLength(1);
    expect(dev[0]!.profiles).toEqual(['dev']);
    expect(dev[0]!.environment?.DEV_MODE).toBe('true');
    expect(dev[0]!.environment).not.toHaveProperty('SCAYLE_AUTH_BASE_URL');
    expect(dev[0]!.env_file).toBeUndefined();
  });

  it('sets only variables the service reads', () => {
    const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
    for (const service of Object.values(compose.services)) {
      if (service.build === undefined) continue;
      for (const name of Object.keys(service.environment ?? {})) expect(known.has(name), name).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds from the lockfile and ships production dependencies only', () => {
    expect(dockerfile).toMatch(/RUN npm ci --no-audit/);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev --ignore-scripts/);
    expect(dockerfile).toMatch(/COPY --from=build .*\/app\/dist \.\/dist/);
  });

  it('runs as a non-root user with NODE_ENV=production, a health check and an exec-form start', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/NODE_ENV=production/);
    expect(runtime).toMatch(/HEALTHCHECK .*\n.*\/health\/live/);
    expect(runtime).toMatch(/^CMD \["node", "dist\/server\.js"\]$/m);
  });

  it('never sets DEV_MODE', () => {
    expect(dockerfile).not.toMatch(/DEV_MODE=/);
  });
});
