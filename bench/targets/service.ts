// The system under test: the real service, started from the environment exactly as server.ts does
// (loadConfig → traces when the OTEL_* variables ask for them → buildApp → listen), with its upstream (an
// emulator in another process) and Redis given by the parent. It logs to its default destination,
// stdout, which the parent points at /dev/null.
import type { BuildOverrides } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Telemetry } from '../../src/telemetry/index.js';
import { announce, exitOnSignal } from './child.js';

const config = loadConfig(process.env);
// As server.ts: the SDK starts before the app is imported, and nothing of it loads unless traces are on.
let telemetry: Telemetry | undefined;
const overrides: BuildOverrides = {};
if (config.tracingEnabled) {
  const { startTelemetry } = await import('../../src/telemetry/index.js');
  telemetry = startTelemetry();
  overrides.tracing = telemetry.overrides;
}
const { buildApp } = await import('../../src/app.js');
const app = await buildApp(config, overrides);
const url = await app.listen({ port: 0, host: '127.0.0.1' });
// Closing flushes the spans still queued, so a sink read after stop() has every one of them.
exitOnSignal(async () => {
  await app.close();
  await telemetry?.shutdown();
});
announce(url);
