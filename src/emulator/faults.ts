// Programmatic fault injection: make chosen endpoints slow, fail, answer garbage or drop the connection,
// so the BFF's timeout, retry and error mapping can be tested against real sockets.
import { ENDPOINTS } from './records.js';

export interface Fault {
  /** Endpoint name (see ENDPOINTS in state.ts); undefined matches every endpoint (not the /__emulator routes). */
  endpoint?: string;
  /** Answer with this status (default 500, or 200 when only `body` is given). */
  status?: number;
  /** Raw response body, sent as application/json even if it is not JSON (e.g. malformed JSON). */
  body?: string;
  /** Wait this long first; with nothing else set, the request is then handled normally. */
  delayMs?: number;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** How many requests this fault applies to. Default Infinity. */
  times?: number;
}

export class FaultInjector {
  private faults: Array<Fault & { remaining: number }> = [];
  private readonly sleepers = new Set<() => void>();

  /** Throws on an unknown endpoint name: a typo would otherwise silently inject nothing. */
  add(fault: Fault): void {
    if (fault.endpoint !== undefined && !(ENDPOINTS as readonly string[]).includes(fault.endpoint)) {
      throw new Error(`Unknown emulator endpoint "${fault.endpoint}"; expected one of ${ENDPOINTS.join(', ')}`);
    }
    this.faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map(({ remaining: _remaining, ...fault }) => fault);
  }

  /** The first fault matching `endpoint`, consuming one of its uses; only one fault applies per request. */
  take(endpoint: string): Fault | undefined {
    const index = this.faults.findIndex((f) => f.endpoint === undefined || f.endpoint === endpoint);
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  /** A delay that `wakeAll` cuts short, so closing the emulator never waits for an injected delay. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}
