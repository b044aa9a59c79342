// Progress of an import: on a terminal a cli-progress bar over the file's bytes with lines/s and ETA;
// otherwise (CI, a log collector) one plain line every `intervalMs`, so logs stay readable.
import cliProgress from 'cli-progress';

export interface ImportProgress {
  update(bytesRead: number, lines: number): void;
  stop(): void;
}

export interface ProgressOptions {
  totalBytes: number;
  tty: boolean;
  /** Where plain lines go (non-TTY). */
  out: (line: string) => void;
  stream?: NodeJS.WriteStream;
  now?: () => number;
  intervalMs?: number;
}

const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

export function createImportProgress(options: ProgressOptions): ImportProgress {
  const { totalBytes, now = Date.now, intervalMs = 5_000 } = options;
  const started = now();
  const rate = (lines: number): number => Math.round(lines / Math.max((now() - started) / 1000, 0.001));
  const eta = (bytes: number): number => Math.round(((totalBytes - bytes) * ((now() - started) / Math.max(bytes, 1))) / 1000);

  if (options.tty) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'importing [{bar}] {percentage}% | {lines} lines | {rate} lines/s | ETA {etaSeconds} s',
        stream: options.stream ?? process.stderr,
        etaBuffer: 50,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    // Our own ETA from bytes read: the bar's own one shows "NULL" (cut to "LL") once it has no estimate.
    bar.start(Math.max(totalBytes, 1), 0, { lines: 0, rate: 0, etaSeconds: '?' });
    return {
      update: (bytes, lines) => bar.update(bytes, { lines, rate: rate(lines), etaSeconds: eta(bytes) }),
      stop: () => bar.stop(),
    };
  }

  let last = started;
  return {
    update(bytes, lines) {
      const t = now();
      if (t - last < intervalMs) return;
      last = t;
      options.out(`progress: ${lines} lines, ${mb(bytes)} of ${mb(totalBytes)}, ${rate(lines)} lines/s, ETA ${eta(bytes)} s`);
    },
    stop: () => undefined,
  };
}
