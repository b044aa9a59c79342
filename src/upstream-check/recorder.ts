// A dispatcher for the SCAYLE client that remembers, per exchange, what the check needs and the client
// hides (the exact status, the error key, the names of the body's fields) and never a value.

import { Pool, type Dispatcher } from 'undici';

export interface Exchange {
  status: number;
  /** SCAYLE's `error` key when it is a short identifier (anything else is not kept). */
  errorKey?: string;
  /** Top-level field names of a JSON object body, sorted; values are never kept. */
  fields: string[];
}

export interface Recorder {
  /** Give this to createScayleClient; close() destroys it. */
  dispatcher: Dispatcher;
  /** The most recent exchange (the check runs one call at a time). */
  last(): Exchange | undefined;
  close(): Promise<void>;
}

const ERROR_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

export function createRecorder(origin: string, connectTimeoutMs: number): Recorder {
  const pool = new Pool(origin, { connect: { timeout: connectTimeoutMs }, maxResponseSize: 256 * 1024 });
  let latest: Exchange | undefined;

  // The client reads statusCode, headers and body.text() of request()'s answer; the body is read here
  // once and handed back as that.
  async function request(options: Dispatcher.RequestOptions): Promise<unknown> {
    latest = undefined;
    const response = await pool.request(options);
    const text = await response.body.text();
    latest = describe(response.statusCode, text);
    return { ...response, body: { text: async () => text } };
  }

  const dispatcher = new Proxy(pool, {
    get(target, property) {
      if (property === 'request') return request;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { dispatcher, last: () => latest, close: () => pool.destroy() };
}

function describe(status: number, text: string): Exchange {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { status, fields: [] };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { status, fields: [] };
  const exchange: Exchange = { status, fields: Object.keys(body).sort() };
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string' && ERROR_KEY.test(error)) exchange.errorKey = error;
  return exchange;
}
