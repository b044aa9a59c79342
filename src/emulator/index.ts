// Public entry of the SCAYLE emulator: start it on a port (0 by default) and get its URL, state, faults
// and runtime switches; the BFF's dev mode and every end-to-end test go through startEmulator.
import type { AddressInfo } from 'node:net';
import { buildEmulatorApp } from './app.js';
import { createEmulatorContext } from './context.js';
import type { EmulatorContext } from './context.js';
import type { FaultInjector } from './faults.js';
import { patchSettings } from './options.js';
import type { EmulatorOptions } from './options.js';
import type { EmulatorState } from './state.js';

export { buildEmulatorApp } from './app.js';
export { createEmulatorContext } from './context.js';
export type { EmulatorContext } from './context.js';
export type { Fault, FaultInjector } from './faults.js';
export type { EmulatorOptions, RotationMode } from './options.js';
export { ENDPOINTS } from './records.js';
export type { Customer, EndpointName, OutboxEntry, TokenResponse } from './records.js';
export type { EmulatorState } from './state.js';

export interface Emulator {
  /** Origin, e.g. http://127.0.0.1:41234 (no trailing slash, no /v1). */
  url: string;
  /** In-memory state (customers, tokens, outbox, counters) for tests to inspect. */
  state: EmulatorState;
  /** Programmatic fault injection. */
  faults: FaultInjector;
  /** A new RSA key with a new kid becomes current; old keys stay published. */
  rotateSigningKey(): Promise<void>;
  /** Changes switches at runtime; `undefined` resets one to its default. */
  setOptions(patch: Partial<EmulatorOptions>): void;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions & { host?: string; port?: number }): Promise<Emulator> {
  const { host = '127.0.0.1', port = 0, ...emulatorOptions } = options;
  const ctx: EmulatorContext = await createEmulatorContext(emulatorOptions);
  const app = buildEmulatorApp(ctx);
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  const url = `http://${formatHost(address.address)}:${address.port}`;
  ctx.origin = url;

  let closing: Promise<void> | undefined;
  return {
    url,
    state: ctx.state,
    faults: ctx.faults,
    rotateSigningKey: async () => {
      await ctx.keys.rotate();
    },
    setOptions: (patch) => patchSettings(ctx.settings, patch),
    // Idempotent: test teardown and signal handlers may both call it.
    close: () => (closing ??= app.close()),
  };
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
