// Standalone emulator (`npm run emulator`): configuration from the environment, closes on SIGTERM/SIGINT.
import { DEV_DEFAULTS } from '../config.js';
import { startEmulator } from './index.js';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`${name} must be a non-negative integer\n`);
    process.exit(1);
  }
  return value;
}

const emulator = await startEmulator({
  host: process.env.EMULATOR_HOST || '127.0.0.1',
  port: intFromEnv('EMULATOR_PORT', 4010),
  clientId: process.env.SCAYLE_CLIENT_ID || DEV_DEFAULTS.clientId,
  clientSecret: process.env.SCAYLE_CLIENT_SECRET || DEV_DEFAULTS.clientSecret,
  shopId: intFromEnv('SCAYLE_SHOP_ID', DEV_DEFAULTS.shopId),
  shopSecret: process.env.SCAYLE_SHOP_SECRET || DEV_DEFAULTS.shopSecret,
  ...(process.env.MAGIC_LINK_URL ? { magicLinkUrl: process.env.MAGIC_LINK_URL } : {}),
  logger: process.env.EMULATOR_LOG === 'true',
});
process.stdout.write(`SCAYLE emulator listening on ${emulator.url}\n`);

const shutdown = (): void => {
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`emulator close failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
