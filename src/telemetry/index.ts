// Traces (issue 19 part 4): OpenTelemetry's Node SDK, configured by the standard OTEL_* variables, with
// @fastify/otel (one span per request, its route and hooks), undici (every SCAYLE and JWKS call, W3C
// traceparent injected beside x-request-id) and ioredis (the store's commands). server.ts imports this
// module only when config.tracingEnabled, before it imports the app, so a service without traces loads
// none of it.
import { createRequire } from 'node:module';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK, type tracing } from '@opentelemetry/sdk-node';
import type { FastifyPluginCallback } from 'fastify';
import { traceLogFields } from './log-fields.js';
import { redisStatement, requestHook } from './span-hygiene.js';

export interface TracingOverrides {
  /** @fastify/otel's plugin; buildApp registers it before anything else. */
  plugin: FastifyPluginCallback;
  /** pino mixin adding trace_id / span_id to log lines. */
  logMixin: () => Record<string, string>;
}

export interface Telemetry {
  overrides: TracingOverrides;
  /** Flushes and stops the SDK (server.ts calls it after app.close()). */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Tests pass an in-memory exporter's processor; default: what OTEL_TRACES_EXPORTER and friends say. */
  spanProcessors?: tracing.SpanProcessor[];
}

export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  // Traces only: metrics are Prometheus' (/metrics) and logs pino's; the SDK would otherwise start OTLP
  // metric and log exporters by default. An explicit OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER still wins.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const fastify = new FastifyOtelInstrumentation({ requestHook, instrumentHooks: ['onRequest', 'preHandler'] });
  const sdk = new NodeSDK({
    ...(process.env.OTEL_SERVICE_NAME === undefined ? { serviceName: 'scayle-auth-bff' } : {}),
    ...(options.spanProcessors === undefined ? {} : { spanProcessors: options.spanProcessors }),
    instrumentations: [
      fastify,
      // Only calls made inside a traced request: no orphan traces, and no traceparent of ours on others' calls.
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new IORedisInstrumentation({ dbStatementSerializer: redisStatement, requireParentSpan: true }),
    ],
  });
  sdk.start();
  // The instrumentation patches ioredis when it is require()d; the app imports it from ESM, which that hook
  // does not see. Requiring it here patches Redis.prototype, which the ESM import then shares.
  createRequire(import.meta.url)('ioredis');
  return {
    overrides: { plugin: fastify.plugin(), logMixin: traceLogFields },
    shutdown: () => sdk.shutdown(),
  };
}
