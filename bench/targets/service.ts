// The system under test: the real service, started from the environment exactly as server.ts does
// (loadConfig → traces when the OTEL_* variables ask for them → buildApp → listen), with its upstream (an
// emulator in another process) and Redis given by the parent. It logs to its default destination,
// stdout, which the parent points at /dev/null.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
// The memory probe (BENCH_MEMORY_PROBE=1, with --expose-gc): a side port whose every request collects
// garbage and answers process.memoryUsage(), so the bench can weigh what the service keeps per session.
const probe = process.env.BENCH_MEMORY_PROBE === '1' ? await startMemoryProbe() : undefined;
// Closing flushes the spans still queued, so a sink read after stop() has every one of them.
exitOnSignal(async () => {
  probe?.close();
  await app.close();
  await telemetry?.shutdown();
});
announce(url, probe ? { probe: probe.url } : {});

async function startMemoryProbe(): Promise<{ url: string; close(): void }> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('BENCH_MEMORY_PROBE needs node --expose-gc');
  const server = createServer((_request, response) => {
    collect();
    collect();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(process.memoryUsage()));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
