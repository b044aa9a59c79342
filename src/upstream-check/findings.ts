// What the check reports: one finding per contract point, with what the tenant did and the emulator
// switch that imitates it. Findings are built from statuses, field and claim names only, never values.

export type Verdict = 'ok' | 'info' | 'warn' | 'fail';

export interface Finding {
  /** Short name of the point, e.g. `refresh.rotation`. */
  point: string;
  /** Where upstream-contract.md discusses it, e.g. `§5.10 [UNKNOWN]`. */
  contract: string;
  verdict: Verdict;
  /** What the tenant did. */
  observed: string;
  /** The emulator switch (src/emulator/options.ts) that behaves the same, or what it does without one. */
  emulator: string;
}

const LABEL: Record<Verdict, string> = { ok: 'ok  ', info: 'info', warn: 'WARN', fail: 'FAIL' };

export function formatFinding(f: Finding): string[] {
  return [`[${LABEL[f.verdict]}] ${f.point} (${f.contract}): ${f.observed}`, `       emulator: ${f.emulator}`];
}

/** Non-zero when the tenant contradicts something the service relies on. */
export function exitCodeOf(findings: readonly Finding[]): number {
  return findings.some((f) => f.verdict === 'fail') ? 1 : 0;
}
