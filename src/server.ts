// The only module with side effects: load config, start the emulator in dev mode, build the app,
// listen, close everything gracefully on SIGTERM/SIGINT, and reload the secret files on SIGHUP.
import closeWithGrace from 'close-with-grace';
import type { BuildOverrides } from './app.js';
import { ConfigError, type Config } from './config.js';
import { loadDeployment, type Shop } from './shops/load-shops.js';
import type { EmbeddedEmulators } from './dev/embedded-emulators.js';
import type { Telemetry } from './telemetry/index.js';

async function main(): Promise<void> {
  let config: Config;
  let shops: Shop[] | undefined; // issue 18 part 3: SHOPS_FILE
  try {
    ({ config, shops } = loadDeployment(process.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  let emulators: EmbeddedEmulators | undefined;
  if (config.devMode) {
    // Imported only here: a production process never loads the emulator (test/e2e/production-start.test.ts
    // starts the built service with the emulator deleted).
    const { startEmbeddedEmulators } = await import('./dev/embedded-emulators.js');
    emulators = await startEmbeddedEmulators(config, shops);
    ({ config, shops } = emulators);
  }

  // Traces (issue 19): the SDK starts before the app is imported, so its hooks see ioredis load; without
  // OTEL_* variables asking for traces, nothing of OpenTelemetry is loaded at all.
  let telemetry: Telemetry | undefined;
  const overrides: BuildOverrides = shops ? { shops } : {};
  if (config.tracingEnabled) {
    const { startTelemetry } = await import('./telemetry/index.js');
    telemetry = startTelemetry();
    overrides.tracing = telemetry.overrides;
  }
  const { buildApp } = await import('./app.js');
  const app = await buildApp(config, overrides);
  const devWarning = 'dev mode (DEV_MODE=true): the embedded SCAYLE emulator answers upstream calls';
  if (emulators) app.log.warn({ emulators: emulators.urls }, devWarning);

  // issue 18 part 4: SIGHUP re-reads the *_FILE secrets (README "Rotating secrets") instead of closing.
  process.on('SIGHUP', () => {
    const files = [...new Set(app.secretStores.flatMap((store) => store.reloadable))];
    app.log.info({ files }, 'SIGHUP: re-reading the secret files');
    for (const store of app.secretStores) void store.reload('sighup');
  });
  closeWithGrace({ delay: 10_000, skip: ['SIGHUP'] }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'closing');
    await app.close();
    await emulators?.close();
    await telemetry?.shutdown();
  });

  await app.listen({ port: config.port, host: config.host });
}

await main();
