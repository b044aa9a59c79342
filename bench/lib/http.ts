// Plain HTTP calls for preparing a bench (registering users, logging in, reading emulator stats): undici,
// JSON in and out, and the first Set-Cookie as a ready `name=value` cookie header.
import { request } from 'undici';

export interface JsonReply {
  status: number;
  body: any;
  /** `name=value` of the first Set-Cookie, if any. */
  cookie: string | undefined;
}

export async function callJson(
  base: string,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply> {
  const res = await request(new URL(path, base), {
    method,
    headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.body.text();
  const raw = res.headers['set-cookie'];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return { status: res.statusCode, body: text === '' ? undefined : JSON.parse(text), cookie: first?.split(';')[0] };
}

/** Like callJson, but any status other than `expected` is an error naming the call. */
export async function expectJson(
  expected: number,
  base: string,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply> {
  const reply = await callJson(base, method, path, options);
  if (reply.status !== expected)
    throw new Error(`${method} ${path} answered ${reply.status}, expected ${expected}: ${JSON.stringify(reply.body)}`);
  return reply;
}

/** Runs `task` for 0..count-1 with at most `concurrency` at a time; results in index order. */
export async function inBatches<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
