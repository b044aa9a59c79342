// Load shedding by event-loop utilisation, switched on (MAX_EVENT_LOOP_UTILIZATION=0.98): GET /auth/session
// at saturation against such a service, to show what a closed-loop overload does to it. The rounds run with
// it off, so that they measure the cost of a request, not of a 503.
import { loginVia } from './actors.js';
import { inBatches } from './http.js';
import { runLoad, type LoadOptions, type Sample } from './load.js';
import type { Target } from './proc.js';
import { startService, type WorldOptions } from './world.js';

export async function runWithShedding(o: WorldOptions & LoadOptions, upstream: Target, email: string): Promise<Sample> {
  const service = await startService('service-shedding', upstream, { ...o, shedding: true }, `${o.prefix}svc-shedding:`);
  try {
    const cookies = await inBatches(o.sessions, 4, () => loginVia(service.url, email));
    const spec = { method: 'GET' as const, path: '/auth/session', perConnection: cookies.map((cookie) => ({ headers: { cookie } })) };
    return await runLoad(service, spec, o);
  } finally {
    await service.stop();
  }
}
