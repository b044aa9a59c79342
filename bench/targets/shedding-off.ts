// Bench-only switch, imported before the app: with BENCH_ELU_SHEDDING=off, @fastify/under-pressure reads an
// event-loop utilisation of 0, so the service does not shed by utilisation. A closed-loop benchmark keeps
// the loop saturated by design, and shedding would turn a cost measurement into a measurement of 503s.
// The delay check (MAX_EVENT_LOOP_DELAY_MS) stays on. It must run before under-pressure is loaded, which
// captures the function at load time.
import { performance } from 'node:perf_hooks';

if (process.env.BENCH_ELU_SHEDDING === 'off') {
  const real = performance.eventLoopUtilization.bind(performance);
  performance.eventLoopUtilization = (...args: Parameters<typeof real>) => ({ ...real(...args), utilization: 0 });
}
