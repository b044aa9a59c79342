// Dev mode (DEV_MODE=true) without SCAYLE_AUTH_BASE_URL: embedded SCAYLE emulators answer the upstream calls.
// One emulator per set of client and shop credentials: with SHOPS_FILE every shop is a SCAYLE tenant of its
// own, so a shop with credentials of its own gets an emulator that accepts them (and keeps its own customers),
// and shops that share credentials share one. Loaded by a dynamic import from server.ts only: a production
// process never loads the emulator (test/e2e/production-start.test.ts deletes it).
import { withEmbeddedEmulator, type Config } from '../config.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import type { Shop } from '../shops/load-shops.js';

export interface EmbeddedEmulators {
  /** `config` and `shops` with every dev-mode shop pointed at its emulator. */
  config: Config;
  shops: Shop[] | undefined;
  /** The emulators' base URLs (for the start-up warning). */
  urls: string[];
  close(): Promise<void>;
}

/** The credentials an emulator is started with; shops with equal ones share it. Never logged. */
function credentialsOf(config: Config): string {
  const { clientId, clientSecret, shopId, shopSecret } = config.scayle;
  return JSON.stringify([clientId, clientSecret, shopId, shopSecret]);
}

export async function startEmbeddedEmulators(config: Config, shops: Shop[] | undefined): Promise<EmbeddedEmulators> {
  const started = new Map<string, Emulator>();
  // Unset MAGIC_LINK_URL: e-mailed links open the dev-mode demo page, which logs in with the token.
  const magicLinkUrl = config.magicLinkUrl ?? `http://localhost:${config.port}/demo/?magic_token={token}`;
  const emulatorFor = async (shopConfig: Config): Promise<Emulator> => {
    const key = credentialsOf(shopConfig);
    const running = started.get(key);
    if (running) return running;
    const { clientId, clientSecret, shopId, shopSecret } = shopConfig.scayle;
    const links = shopConfig.magicLinkUrl ?? magicLinkUrl;
    const emulator = await startEmulator({ clientId, clientSecret, shopId, shopSecret, magicLinkUrl: links });
    started.set(key, emulator);
    return emulator;
  };
  const close = async (): Promise<void> => {
    await Promise.all([...started.values()].map((emulator) => emulator.close()));
  };
  try {
    const main = withEmbeddedEmulator(config, (await emulatorFor(config)).url);
    const pointed: Shop[] = [];
    for (const shop of shops ?? []) {
      // A shop with SCAYLE_AUTH_BASE_URL of its own is not in dev mode (config-schema.ts) and keeps its URL.
      if (!shop.config.devMode) pointed.push(shop);
      else pointed.push({ ...shop, config: withEmbeddedEmulator(shop.config, (await emulatorFor(shop.config)).url) });
    }
    return { config: main, shops: shops && pointed, urls: [...started.values()].map((e) => e.url), close };
  } catch (error) {
    await close();
    throw error;
  }
}
