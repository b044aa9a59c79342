// Load shedding: while the event loop is saturated, new requests get 503 SERVICE_UNAVAILABLE with
// retry-after at once instead of queueing until every caller times out. Health and metrics routes opt
// out with `config: NEVER_SHED`, so probes and scrapes still see the truth. Two parts: the sampler, one per
// process (the loop is the process's; with SHOPS_FILE on the root, shared by every shop), and the hook,
// per shop, after that shop's security plugin.
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route answers under pressure too (liveness, readiness, metrics, docs). */
    neverShed?: boolean;
  }
  interface FastifyInstance {
    /** Why a request would be shed now ('eventLoopDelay' or 'eventLoopUtilization'), or undefined. */
    shedReason: () => ShedReason | undefined;
  }
}

export type ShedReason = 'eventLoopDelay' | 'eventLoopUtilization';

/** Route config for routes that must answer under pressure (liveness, readiness, metrics, docs). */
export const NEVER_SHED = { neverShed: true } as const;

/** Seconds a shed caller should wait; pressure is re-sampled every second. */
const RETRY_AFTER_SECONDS = '2';

/** `app.shedReason`, from one sampler of the event loop; MAX_EVENT_LOOP_* are process-wide. */
export const loadSamplerPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const { maxEventLoopDelayMs: maxDelay, maxEventLoopUtilization: maxUtilization } = config;
    // @fastify/under-pressure samples the loop (delay and utilisation, once a second); it is given no
    // thresholds, so it adds no hook of its own. Its hook reads `request.routeOptions` on every request, a
    // getter that builds a fresh 13-field object (issue 20); the hook below reads it only while shedding.
    await app.register(underPressure, {
      // Per sampling interval: the default, cumulative since start-up, would stop reacting after a day.
      eventLoopUtilizationMode: 'interval',
      sampleInterval: 1_000,
    });
    const shedReason = (): ShedReason | undefined => {
      const usage = app.memoryUsage();
      if (maxDelay > 0 && usage.eventLoopDelay > maxDelay) return 'eventLoopDelay';
      if (maxUtilization > 0 && usage.eventLoopUtilized > maxUtilization) return 'eventLoopUtilization';
      return undefined;
    };
    app.decorate('shedReason', shedReason);
  },
  { name: 'load-sampler' },
);

/** The shedding hook of one shop's routes (of every route without SHOPS_FILE). */
export const loadSheddingPlugin = fp(
  async (app: FastifyInstance) => {
    const { metrics, shedReason } = app;
    const { maxEventLoopDelayMs: maxDelay, maxEventLoopUtilization: maxUtilization } = app.config;
    if (maxDelay === 0 && maxUtilization === 0) return;

    // One instance, built once: shedding must stay cheap, and a stack trace per refusal is not.
    const shedError = new AppError('SERVICE_UNAVAILABLE', { headers: { 'retry-after': RETRY_AFTER_SECONDS } });
    // Callback style, and the route's config is read only under pressure (issue 20). Global, so requests
    // no route matched (a scanner's 404s) are shed too. A refusal reaches our error handler: problem+json.
    app.addHook('onRequest', (request, _reply, done) => {
      const reason = shedReason();
      if (reason === undefined || request.routeOptions.config.neverShed === true) return done();
      metrics.shed.inc({ reason });
      done(shedError);
    });
  },
  { name: 'load-shedding', dependencies: ['load-sampler', 'store', 'metrics'] },
);
