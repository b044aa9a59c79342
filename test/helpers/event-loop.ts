// Pressure on demand for the load-shedding tests: a synchronous stall of this process's event loop.

/** Busy-waits `ms`: no timer, socket or sampler of this process runs meanwhile. */
export function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy on purpose
  }
}
