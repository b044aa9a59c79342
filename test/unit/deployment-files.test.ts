// The container files, linted without a Docker engine: the compose file parses and wires Redis and the
// service from .env, every variable it sets is one the service or the emulator reads, and the Dockerfile
// keeps the properties ops rely on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config.js';

const read = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');
const EMULATOR_VARIABLES = [
  'EMULATOR_HOST',
  'EMULATOR_PORT',
  'SCAYLE_CLIENT_ID',
  'SCAYLE_CLIENT_SECRET',
  'SCAYLE_SHOP_ID',
  'SCAYLE_SHOP_SECRET',
  'MAGIC_LINK_URL',
];

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

  it('runs the emulator only in the dev profile, from the built image', () => {
    const emulator = compose.services.emulator!;
    expect(emulator.profiles).toEqual(['dev']);
    expect(emulator.command).toEqual(['node', 'dist/emulator/main.js']);
    for (const name of Object.keys(emulator.environment ?? {})) expect(EMULATOR_VARIABLES).toContain(name);
  });

  it('sets only variables the service reads', () => {
    const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
    for (const name of Object.keys(compose.services.bff?.environment ?? {})) expect(known.has(name), name).toBe(true);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds from the lockfile and ships production dependencies only', () => {
    expect(dockerfile).toMatch(/RUN npm ci --no-audit/);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build .*\/app\/dist \.\/dist/);
  });

  it('runs as a non-root user with NODE_ENV=production, a health check and an exec-form start', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/NODE_ENV=production/);
    expect(runtime).toMatch(/HEALTHCHECK .*\n.*\/health\/live/);
    expect(runtime).toMatch(/^CMD \["node", "dist\/server\.js"\]$/m);
  });
});
