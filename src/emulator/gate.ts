// The per-endpoint onRequest hook: counts the call, then applies at most one injected fault before the
// handler (or Basic/Bearer checks) run, so faults hit exactly what the BFF would see on the wire.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { EmulatorContext } from './context.js';
import type { EndpointName } from './records.js';

export function gate(ctx: EmulatorContext, endpoint: EndpointName): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    ctx.state.recordCall(endpoint, request.headers);
    const fault = ctx.faults.take(endpoint);
    if (!fault) return undefined;
    if (fault.delayMs !== undefined && fault.delayMs > 0) await ctx.faults.sleep(fault.delayMs);
    if (fault.reset) {
      // Hijack first so Fastify never tries to answer on the dead socket.
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (fault.status === undefined && fault.body === undefined) return undefined;
    const status = fault.status ?? (fault.body === undefined ? 500 : 200);
    const body = fault.body ?? JSON.stringify({ error: 'injected_fault', message: `Injected ${status}.`, context: null });
    // Returning the reply tells Fastify the request is answered and the handler must not run.
    return reply.code(status).type('application/json').send(body);
  };
}
