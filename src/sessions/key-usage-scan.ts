// The key-usage gauge's refresher (issue 18): how many records each key still seals needs a SCAN of every
// record header (key-usage.ts), so it never runs on a request or a /metrics scrape. It runs on a slow
// timer, off by default (SESSION_KEY_USAGE_SCAN_SECONDS), one scan at a time: a scan slower than the
// interval skips ticks instead of piling up. Enable it on one instance during a rotation, or use the CLI.
import type { KeyUsage } from './key-usage.js';

export interface KeyUsageScanOptions {
  intervalMs: number;
  scan: () => Promise<KeyUsage>;
  onResult: (usage: KeyUsage) => void;
  onError: (error: unknown) => void;
  /** Injected in tests; default: an unref'd setInterval (the scan never keeps the process alive). */
  every?: (ms: number, tick: () => void) => () => void;
}

export interface KeyUsageScan {
  /** Resolves when the scan started by the last tick (if any) has finished. */
  idle(): Promise<void>;
  stop(): void;
}

const defaultEvery = (ms: number, tick: () => void): (() => void) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export function startKeyUsageScan(options: KeyUsageScanOptions): KeyUsageScan {
  let running: Promise<void> | undefined;
  const tick = (): void => {
    if (running) return;
    running = options
      .scan()
      .then(options.onResult, options.onError)
      .finally(() => (running = undefined));
  };
  const cancel = (options.every ?? defaultEvery)(options.intervalMs, tick);
  // The first figure at once, not one interval after start.
  tick();
  return {
    idle: async () => {
      await running;
    },
    stop: cancel,
  };
}
