// Traces are opt-in and cost nothing when off (issue 19 part 4): no module the service imports statically
// reaches src/telemetry/ or an OpenTelemetry package; server.ts imports the bootstrap only when
// config.tracingEnabled, which the standard OTEL_* variables decide.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { staticGraph } from '../helpers/static-imports.js';

describe('traces off', () => {
  it('loads no tracing module unless asked: nothing of it is statically reachable from server.ts', () => {
    const { files, packages } = staticGraph('src/server.ts');
    expect(files.size).toBeGreaterThan(3);
    expect([...files].filter((f) => f.startsWith('src/telemetry/'))).toEqual([]);
    expect([...packages].filter((p) => p.startsWith('@opentelemetry/') || p === '@fastify/otel')).toEqual([]);
    // The app itself, imported dynamically by server.ts, too.
    const app = staticGraph('src/app.ts');
    expect([...app.files].filter((f) => f.startsWith('src/telemetry/'))).toEqual([]);
    expect([...app.packages].filter((p) => p.startsWith('@opentelemetry/') || p === '@fastify/otel')).toEqual([]);
    const server = readFileSync('src/server.ts', 'utf8');
    expect(server).toMatch(/if \(config\.tracingEnabled\) \{\s*const \{ startTelemetry \} = await import\('\.\/telemetry\/index\.js'\)/);
  });

  it('turns traces on only through the standard OTEL_* variables', () => {
    const on = (env: Record<string, string>) => loadConfig({ DEV_MODE: 'true', ...env }).tracingEnabled;
    expect(on({})).toBe(false);
    expect(on({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(on({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(on({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(on({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });
});
