// Load shedding: while the event loop is saturated, new requests get 503 SERVICE_UNAVAILABLE with
// retry-after at once instead of queueing until every caller times out. Health and metrics routes opt
// out with `config: NEVER_SHED`, so probes and scrapes still see the truth.
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';

type PressureHandler = (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => Promise<void> | void;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Per-route override of @fastify/under-pressure's handler. */
    pressureHandler?: PressureHandler;
  }
}

/** Route config for routes that must answer under pressure (liveness, readiness, metrics, docs). */
export const NEVER_SHED: { pressureHandler: PressureHandler } = { pressureHandler: () => undefined };

/** Seconds a shed caller should wait; pressure is re-sampled every second. */
const RETRY_AFTER_SECONDS = '2';

export const loadSheddingPlugin = fp(
  async (app: FastifyInstance) => {
    const { metrics } = app;
    // One instance, built once: shedding must stay cheap, and a stack trace per refusal is not.
    const shedError = new AppError('SERVICE_UNAVAILABLE', { headers: { 'retry-after': RETRY_AFTER_SECONDS } });
    await app.register(underPressure, {
      maxEventLoopDelay: app.config.maxEventLoopDelayMs,
      maxEventLoopUtilization: app.config.maxEventLoopUtilization,
      // Per sampling interval: the default, cumulative since start-up, would stop reacting after a day.
      eventLoopUtilizationMode: 'interval',
      sampleInterval: 1_000,
      // A rejection reaches our error handler, so the 503 is problem+json like every other error.
      pressureHandler: (_request, _reply, type) => {
        metrics.shed.inc({ reason: type });
        return Promise.reject(shedError);
      },
    });
  },
  { name: 'load-shedding', dependencies: ['store', 'metrics'] },
);
