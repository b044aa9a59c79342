// Import progress off a terminal: one plain line per interval with lines, bytes, rate and ETA, on an
// injected clock; nothing between intervals.
import { expect, it } from 'vitest';
import { createImportProgress } from '../../src/migration/import-progress.js';

it('prints a plain line per interval with rate and ETA when not on a terminal', () => {
  const lines: string[] = [];
  let now = 0;
  const progress = createImportProgress({
    totalBytes: 4 * 1_048_576,
    tty: false,
    out: (l) => lines.push(l),
    now: () => now,
    intervalMs: 5_000,
  });
  now = 1_000;
  progress.update(1_048_576, 10_000);
  expect(lines).toEqual([]);
  now = 5_000;
  progress.update(1_048_576, 50_000);
  expect(lines).toEqual(['progress: 50000 lines, 1.0 MB of 4.0 MB, 10000 lines/s, ETA 15 s']);
  now = 6_000;
  progress.update(2 * 1_048_576, 60_000);
  expect(lines).toHaveLength(1);
  progress.stop();
});
