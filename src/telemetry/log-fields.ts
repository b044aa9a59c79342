// The pino mixin of a traced service: every log line written inside a span carries its trace_id and
// span_id, so a log search leads to the trace and back.
import { context, trace } from '@opentelemetry/api';

export function traceLogFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags.toString(16).padStart(2, '0') };
}
