// Waiting for a state instead of for a time: poll until a check holds, failing only after a deadline far
// beyond what a loaded CI machine needs, so slowness costs time and never a false failure.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` every `intervalMs` until it returns true; throws naming `what` after `timeoutMs`. With
 * `lastState`, the error also says what the last check saw, so a failure in CI explains itself.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 100,
  lastState?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const state = lastState === undefined ? '' : `; last check: ${lastState()}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}`);
    }
    await sleep(intervalMs);
  }
}
