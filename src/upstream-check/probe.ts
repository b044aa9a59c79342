// Runs one upstream call of the check and keeps its outcome: the value, or the service's error code,
// plus what the recorder saw on the wire. A failure is data here, not an exception.

import { AppError } from '../errors.js';
import type { CallContext } from '../upstream/types.js';
import type { Exchange, Recorder } from './recorder.js';

export interface ProbeResult<T> {
  value?: T;
  /** The AppError code the service would raise, or `unexpected` for anything else. */
  error?: string;
  exchange?: Exchange;
}

export async function probe<T>(recorder: Recorder | undefined, call: () => Promise<T>): Promise<ProbeResult<T>> {
  try {
    const value = await call();
    return withExchange({ value }, recorder?.last());
  } catch (err) {
    return withExchange({ error: err instanceof AppError ? err.code : 'unexpected' }, recorder?.last());
  }
}

function withExchange<T>(result: ProbeResult<T>, exchange: Exchange | undefined): ProbeResult<T> {
  return exchange === undefined ? result : { ...result, exchange };
}

/** `401 invalid_grant`, `no answer (UPSTREAM_TIMEOUT)`: how a failed call is described in a finding. */
export function describeFailure(result: ProbeResult<unknown>): string {
  const { exchange } = result;
  if (exchange === undefined) return `no answer (${result.error ?? 'unexpected'})`;
  return `${exchange.status}${exchange.errorKey === undefined ? '' : ` ${exchange.errorKey}`}`;
}

let sequence = 0;
/** Each call carries its own x-request-id, so SCAYLE support can find the check's calls. */
export function checkContext(runId: string): CallContext {
  sequence += 1;
  return { requestId: `check-upstream-${runId}-${sequence}`, userAgent: 'scayle-auth-bff check-upstream' };
}
