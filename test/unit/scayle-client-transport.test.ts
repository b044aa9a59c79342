// The SCAYLE client's own Pool against real local servers on port 0: timeouts, refused connections,
// resets, the GET-only retry, oversized bodies and close().
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { transportCode } from '../../src/upstream/transport-errors.js';
import { createScayleClient } from '../../src/upstream/scayle-client.js';
import type { ScayleClient } from '../../src/upstream/types.js';
import { failure } from '../helpers/failure.js';

const PASSWORD = 'Pa55word-7c1e4b';
const ctx = { requestId: 'req-t' };
const TOKEN_BODY = JSON.stringify({ token_type: 'Bearer', access_token: 'a', refresh_token: 'r', expires_in: 60 });

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;
let server: Server | undefined;
let client: ScayleClient | undefined;
let hits = 0;
const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];

async function serve(handler: Handler): Promise<string> {
  hits = 0;
  seen.length = 0;
  server = createServer((req, res) => {
    hits += 1;
    const hit = hits;
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, hit);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function connect(baseUrl: string, requestTimeoutMs = 2_000): ScayleClient {
  client = createScayleClient({
    baseUrl,
    clientId: 'id',
    clientSecret: 'secret',
    shopId: 3,
    clientKey: 'ck',
    requestTimeoutMs,
    connectTimeoutMs: 500,
  });
  return client;
}

afterEach(async () => {
  await client?.close();
  client = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  }
});

describe('over a real socket', () => {
  it('talks to the origin with its own Pool, under a /v1 base URL', async () => {
    const base = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(TOKEN_BODY));
    const scayle = connect(`${base}/v1`);
    await expect(scayle.login({ email: 'a@example.test', password: PASSWORD }, ctx)).resolves.toEqual({
      accessToken: 'a',
      refreshToken: 'r',
      expiresIn: 60,
    });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/auth/login' });
    expect(seen[0]!.headers['authorization']).toBe(`Basic ${Buffer.from('id:secret').toString('base64')}`);
    expect(JSON.parse(seen[0]!.body)).toEqual({ email: 'a@example.test', password: PASSWORD, shop_id: 3 });
  });

  it('maps a slow response (headers timeout) to 504', async () => {
    const base = await serve((_req, res) => setTimeout(() => res.end(TOKEN_BODY), 1_000).unref());
    const err = await failure(connect(base, 100).login({ email: 'a@example.test', password: PASSWORD }, ctx));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(transportCode(err.cause)).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('maps a stalled body (body timeout) to 504', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"token_type":');
    });
    const err = await failure(connect(base, 100).refresh('rt', ctx));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(transportCode(err.cause)).toBe('UND_ERR_BODY_TIMEOUT');
  });

  it('maps a refused connection to 503', async () => {
    const base = await serve(() => undefined);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const err = await failure(connect(base).login({ email: 'a@example.test', password: PASSWORD }, ctx));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(transportCode(err.cause)).toBe('ECONNREFUSED');
  });

  it('maps a socket closed before the answer to 502 and sends a POST only once', async () => {
    const base = await serve((req) => req.socket.destroy());
    const err = await failure(
      connect(base).register({ gender: 'f', firstName: 'A', lastName: 'B', email: 'a@example.test', password: PASSWORD }, ctx),
    );
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(hits).toBe(1);
  });

  it('retries the validate GET once when the socket is closed', async () => {
    const base = await serve((req, res, hit) => (hit === 1 ? req.socket.destroy() : res.writeHead(200).end()));
    await expect(connect(base).validateToken('at', ctx)).resolves.toBe(true);
    expect(hits).toBe(2);
  });

  it('gives up on the validate GET after one retry', async () => {
    const base = await serve((req) => req.socket.destroy());
    expect((await failure(connect(base).validateToken('at', ctx))).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(hits).toBe(2);
  });

  it('refuses to buffer an oversized body', async () => {
    const base = await serve((_req, res) => res.writeHead(200).end('x'.repeat(2 * 1024 * 1024)));
    expect((await failure(connect(base).login({ email: 'a@example.test', password: PASSWORD }, ctx))).code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('close() destroys its Pool, is idempotent, and later calls get 503', async () => {
    const base = await serve((_req, res) => res.writeHead(204).end());
    const scayle = connect(base);
    await scayle.logout('at', ctx);
    await Promise.all([scayle.close(), scayle.close()]);
    await scayle.close();
    expect((await failure(scayle.logout('at', ctx))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(hits).toBe(1);
  });
});
