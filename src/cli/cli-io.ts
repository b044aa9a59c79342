// What the ops commands share: where they print, and loading the service's configuration the way the
// server does, reporting a bad one as a message (every problem, no value) and an exit code. With
// SHOPS_FILE (issue 18 part 3) a command works on one shop, chosen by `--shop <id>`: that shop's Config
// (and so its key prefix), exactly as loadDeployment builds it for the service.
import { ConfigError, type Config } from '../config.js';
import { loadDeployment, shopById, type Deployment } from '../shops/load-shops.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** A shop a command works on: `id` undefined without SHOPS_FILE (the environment is the one shop). */
export interface CliShop {
  id: string | undefined;
  /** With SHOPS_FILE the shop's own config: its variables over the environment, its key prefix. */
  config: Config;
}

export interface ShopOptions {
  /** `one`: the command needs one shop (`--shop` required with SHOPS_FILE); `all`: every shop unless `--shop` names one. */
  scope: 'one' | 'all';
  /** The exit code for an invalid configuration (the command's convention; usage errors are always 2). */
  configExit?: number;
}

export type CliShops = { shops: CliShop[] } | { exit: number };

/** argv without `--shop <id>` / `--shop=<id>`, and that id; or why the option is malformed. */
export type ShopOption = { shop: string | undefined; argv: string[] } | { problem: string };

const SHOP_ID = /^[a-z0-9-]{1,32}$/;
const NO_SHOPS_FILE = '--shop needs SHOPS_FILE: without it the environment is the one shop (run the command without --shop)';

/**
 * Loads the shop(s) a command works on, given `--shop` as takeShopOption read it. Prints why and returns
 * an exit code when it cannot: 2 for `--shop` missing, unknown or given without SHOPS_FILE (naming the
 * known ids, which are not secret), `configExit` for an invalid configuration.
 */
export function loadCliShops(
  shopArg: string | undefined,
  env: Record<string, string | undefined>,
  io: Pick<CliIo, 'err'>,
  options: ShopOptions,
): CliShops {
  // A usage error, reported before any configuration problem (loadDeployment reads SHOPS_FILE the same way).
  if (shopArg !== undefined && !env.SHOPS_FILE?.trim()) {
    io.err(NO_SHOPS_FILE);
    return { exit: 2 };
  }
  let deployment: Deployment;
  try {
    deployment = loadDeployment(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return { exit: options.configExit ?? 1 };
  }
  const { shops } = deployment;
  if (shops === undefined) {
    return { shops: [{ id: undefined, config: deployment.config }] };
  }
  const known = `shops: ${shops.map((s) => s.id).join(', ')}`;
  if (shopArg === undefined) {
    if (options.scope === 'all') return { shops: shops.map((s) => ({ id: s.id, config: s.config })) };
    io.err(`--shop <id> is required with SHOPS_FILE: each shop has its own keys and records (${known})`);
    return { exit: 2 };
  }
  const shop = shopById(deployment, shopArg);
  if (shop === undefined) {
    // Echo the argument only when it has a shop id's shape: whatever else was typed is not repeated.
    io.err(`--shop: ${SHOP_ID.test(shopArg) ? `no shop "${shopArg}"` : 'not a shop id'} in SHOPS_FILE (${known})`);
    return { exit: 2 };
  }
  return { shops: [{ id: shop.id, config: shop.config }] };
}

/** Takes `--shop <id>` (or `--shop=<id>`) out of argv, before the command's own arguments are checked. */
export function takeShopOption(argv: readonly string[]): ShopOption {
  const rest: string[] = [];
  const given: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--shop') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return { problem: '--shop needs a shop id: --shop <id>' };
      given.push(value);
      i += 1;
    } else if (arg.startsWith('--shop=')) given.push(arg.slice('--shop='.length));
    else rest.push(arg);
  }
  if (given.length > 1) return { problem: '--shop may be given once' };
  if (given[0] === '') return { problem: '--shop needs a shop id: --shop <id>' };
  return { shop: given[0], argv: rest };
}
