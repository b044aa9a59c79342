// One bounded load run with autocannon (in this process) against one target process, with the target's
// CPU time and RSS read from /proc around the run.
import autocannon from 'autocannon';
import { cpuMicros, cpuMicrosByThread, rssBytes, type Target } from './proc.js';

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Per-connection headers/body (e.g. each connection its own session), assigned round-robin. */
  perConnection?: Array<{ headers?: Record<string, string>; body?: string }>;
  /** Extra headers chosen per request (e.g. a random one of a million sessions). */
  perRequest?: () => Record<string, string>;
}

export interface LoadOptions {
  durationS: number;
  /** Stop after this many requests instead of after durationS (the harness test's smoke runs). */
  requests?: number | undefined;
  connections: number;
  /** redis-server's pid when it runs on this machine: its CPU per request is reported too. */
  redisPid?: number | undefined;
}

export interface Sample {
  /** 2xx responses per second. */
  rps: number;
  p50: number;
  p99: number;
  responses: number;
  /** Non-2xx responses, connection errors and timeouts. */
  failures: number;
  cpuUsPerReq: number;
  /** CPU of this process (autocannon, the load generator) per answered request. */
  loadGeneratorCpuUsPerReq: number;
  /** The same split by thread name (main, libuv-worker, V8 helpers, ...). */
  cpuUsPerReqByThread: Record<string, number>;
  /** CPU of redis-server per answered request, when its pid is known. */
  redisCpuUsPerReq: number | undefined;
  rssMb: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
}

export async function runLoad(target: Target, spec: RequestSpec, options: LoadOptions): Promise<Sample> {
  const headers = spec.headers ?? {};
  let next = 0;
  const cpuBefore = cpuMicros(target.pid);
  const threadsBefore = cpuMicrosByThread(target.pid);
  const ownBefore = process.cpuUsage();
  const redisBefore = options.redisPid === undefined ? 0 : cpuMicros(options.redisPid);
  const statuses: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections: options.connections,
        ...(options.requests === undefined ? { duration: options.durationS } : { amount: options.requests }),
        headers,
        requests: [
          {
            method: spec.method,
            path: spec.path,
            ...(spec.body !== undefined ? { body: spec.body } : {}),
            ...(spec.perRequest
              ? { setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...spec.perRequest!() } }) }
              : {}),
          },
        ],
        setupClient: (client) => {
          const own = spec.perConnection?.[next++ % spec.perConnection.length];
          if (own) client.setHeadersAndBody({ ...headers, ...own.headers }, own.body ?? spec.body);
        },
      },
      (error, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
    );
    instance.on('response', (_client, status: number) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
  });
  const cpu = cpuMicros(target.pid) - cpuBefore;
  const threadsAfter = cpuMicrosByThread(target.pid);
  const own = process.cpuUsage(ownBefore);
  const redisCpu = options.redisPid === undefined ? undefined : cpuMicros(options.redisPid) - redisBefore;
  const responses = result['2xx'] + result.non2xx;
  return {
    rps: result.duration > 0 ? result['2xx'] / result.duration : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    responses,
    failures: result.non2xx + result.errors + result.timeouts,
    cpuUsPerReq: responses > 0 ? cpu / responses : 0,
    loadGeneratorCpuUsPerReq: responses > 0 ? (own.user + own.system) / responses : 0,
    cpuUsPerReqByThread: Object.fromEntries(
      [...threadsAfter].map(([name, micros]) => [name, responses > 0 ? (micros - (threadsBefore.get(name) ?? 0)) / responses : 0]),
    ),
    redisCpuUsPerReq: redisCpu === undefined || responses === 0 ? undefined : redisCpu / responses,
    rssMb: rssBytes(target.pid) / 2 ** 20,
    statuses,
  };
}
