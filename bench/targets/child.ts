// What every bench target process shares: options from one JSON env variable, its URL announced as one
// JSON line on fd 3 (stdout when run by hand), and a clean exit on SIGTERM (so `--cpu-prof` gets to
// write its profile).
import { writeSync } from 'node:fs';

/** The target's options, passed by the parent as JSON in BENCH_TARGET_OPTIONS. */
export function targetOptions<T>(): T {
  const raw = process.env.BENCH_TARGET_OPTIONS;
  if (raw === undefined || raw === '') throw new Error('BENCH_TARGET_OPTIONS is not set');
  return JSON.parse(raw) as T;
}

/** Tells the parent where the target listens (on fd 3, which the parent opens); the parent waits for it. */
export function announce(url: string, extra: Record<string, unknown> = {}): void {
  const line = `${JSON.stringify({ url, pid: process.pid, ...extra })}\n`;
  try {
    writeSync(3, line);
  } catch {
    process.stdout.write(line);
  }
}

/** Closes the target on SIGTERM/SIGINT and exits; exits with 1 if closing fails or hangs. */
export function exitOnSignal(close: () => Promise<void>): void {
  const stop = (): void => {
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
