// Load shedding by event-loop utilisation, switched on (MAX_EVENT_LOOP_UTILIZATION=0.98): GET /auth/session
// at saturation against such a service, to show what a closed-loop overload does to it. The rounds run with
// it off, so that they measure the cost of a request, not of a 503.
import { runLoad, type LoadOptions, type Sample } from './load.js';
import type { Target } from './proc.js';
import { startService, type WorldOptions } from './world.js';

/**
 * Runs against a shedding instance on `keyPrefix` with sessions another instance created there: logging
 * in through the shedding instance itself would be shed while it starts up on a busy machine.
 */
export async function runWithShedding(
  o: WorldOptions & LoadOptions,
  upstream: Target,
  keyPrefix: string,
  cookies: string[],
): Promise<Sample> {
  const service = await startService('service-shedding', upstream, { ...o, shedding: true }, keyPrefix);
  try {
    const spec = { method: 'GET' as const, path: '/auth/session', perConnection: cookies.map((cookie) => ({ headers: { cookie } })) };
    return await runLoad(service, spec, o);
  } finally {
    await service.stop();
  }
}
