// Everything a route needs, created once per emulator: live settings, state, keys, faults and the clock.
import { FaultInjector } from './faults.js';
import { KeyRing } from './keys.js';
import { resolveSettings } from './options.js';
import type { EmulatorOptions, Settings } from './options.js';
import { EmulatorState } from './state.js';

export interface EmulatorContext {
  /** Mutated in place by setOptions, so every request sees the current switches. */
  readonly settings: Settings;
  readonly state: EmulatorState;
  readonly keys: KeyRing;
  readonly faults: FaultInjector;
  /** Set once listening; the default `iss`. */
  origin?: string;
  now(): number;
  issuer(): string;
}

export async function createEmulatorContext(options: EmulatorOptions): Promise<EmulatorContext> {
  const settings = resolveSettings(options);
  const context: EmulatorContext = {
    settings,
    state: new EmulatorState(() => settings.now()),
    keys: await KeyRing.create(),
    faults: new FaultInjector(),
    now: () => settings.now(),
    issuer: () => settings.issuer ?? context.origin ?? 'http://localhost',
  };
  return context;
}
