// HTTP plumbing for the SCAYLE client: one dispatcher, the common headers, bounded body reads (undici's
// maxResponseSize), transport failures mapped by code, and the single retry an idempotent GET may take.

import { Pool, type Dispatcher } from 'undici';
import { AppError } from '../errors.js';
import type { UpstreamBase } from './base-url.js';
import { isInvalidClient, type ReplyFacts } from './failures.js';
import { isRetryableTransportError, mapTransportError, transportCode } from './transport-errors.js';
import type { CallContext, Operation, UpstreamCallHook, UpstreamCallOutcome, UpstreamLogger } from './types.js';

/** SCAYLE's bodies are a few hundred bytes; a runaway body must not be buffered without bound. */
const MAX_BODY_BYTES = 256 * 1024;

// 'access-token': the Admin API's X-Access-Token header (src/enrichment/admin-client.ts).
export type UpstreamAuth = { kind: 'basic' } | { kind: 'bearer'; token: string } | { kind: 'access-token'; token: string };

export interface UpstreamCall {
  operation: Operation;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path from /v1 on, e.g. `/v1/auth/login`. */
  path: string;
  auth: UpstreamAuth;
  /** Where SCAYLE expects the shop id; the value always comes from configuration, never the caller. */
  shop?: 'body' | 'header';
  body?: Record<string, unknown>;
  ctx: CallContext;
}

export interface UpstreamHttpOptions {
  base: UpstreamBase;
  /** Basic-auth client; only the Auth API has one (the Admin API sends an access token). */
  clientId?: string;
  /** issue 18 part 4: a function is read per call, so a reloaded secret applies from the next call on. */
  clientSecret?: string | (() => string);
  /** issue 18 part 4: re-reads the secret after SCAYLE answered 401 invalid_client (then one retry if it changed). */
  onInvalidClient?: (() => Promise<void>) | undefined;
  shopId?: number;
  dispatcher?: Dispatcher;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  logger: UpstreamLogger;
  onCall?: UpstreamCallHook | undefined;
}

export interface UpstreamHttp {
  /** Resolves with any HTTP status; rejects only with AppError (transport failure, oversized body, closed). */
  send(call: UpstreamCall): Promise<ReplyFacts>;
  close(): Promise<void>;
}

export function createUpstreamHttp(options: UpstreamHttpOptions): UpstreamHttp {
  const { base, logger, requestTimeoutMs, onCall } = options;
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    new Pool(base.origin, {
      connect: { timeout: options.connectTimeoutMs },
      // Below SCAYLE's (unknown) server-side idle timeout, so we rarely reuse a socket it is closing.
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 30_000,
      // undici stops reading past this and fails the request (UND_ERR_RES_EXCEEDED_MAX_SIZE → 502).
      maxResponseSize: MAX_BODY_BYTES,
    });
  const secretOf = typeof options.clientSecret === 'function' ? options.clientSecret : () => options.clientSecret as string | undefined;
  // Encoded again only when the secret changed (a reload), not per request.
  let basic: { secret: string | undefined; header: string } | undefined;
  const basicHeader = (): string | undefined => {
    if (options.clientId === undefined) return undefined;
    const secret = secretOf();
    if (basic === undefined || basic.secret !== secret) {
      basic = { secret, header: `Basic ${Buffer.from(`${options.clientId}:${secret ?? ''}`, 'utf8').toString('base64')}` };
    }
    return basic.header;
  };
  let closing: Promise<void> | undefined;

  function buildRequest(call: UpstreamCall, basicAuthorization: string | undefined): Dispatcher.RequestOptions {
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': call.ctx.requestId };
    if (call.auth.kind === 'access-token') headers['x-access-token'] = call.auth.token;
    else if (call.auth.kind === 'bearer') headers.authorization = `Bearer ${call.auth.token}`;
    else if (basicAuthorization === undefined) throw new Error('this upstream has no Basic-auth client');
    else headers.authorization = basicAuthorization;
    if (call.ctx.clientIp !== undefined) headers['x-original-client-ip'] = call.ctx.clientIp;
    if (call.ctx.userAgent !== undefined) headers['x-original-user-agent'] = call.ctx.userAgent;
    if (call.ctx.host !== undefined) headers['x-original-host'] = call.ctx.host;
    if (call.shop === 'header') headers['x-shop-id'] = String(options.shopId ?? '');

    let body: string | undefined;
    if (call.body !== undefined || call.shop === 'body') {
      // Spread first, shop_id last: a caller-supplied shop_id can never win.
      const payload = call.shop === 'body' ? { ...call.body, shop_id: options.shopId } : call.body;
      body = JSON.stringify(payload);
      headers['content-type'] = 'application/json';
    }
    return {
      origin: base.origin,
      path: `${base.basePath}${call.path}`,
      method: call.method,
      headers,
      body,
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
    };
  }

  async function attempt(request: Dispatcher.RequestOptions): Promise<ReplyFacts> {
    const response = await dispatcher.request(request);
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text };
  }

  /** One observation per call, after any retry; an observer that throws never fails the call. */
  function report(call: UpstreamCall, outcome: UpstreamCallOutcome, started: number): void {
    try {
      onCall?.(call.operation, outcome, (performance.now() - started) / 1000);
    } catch {
      // metrics are best-effort
    }
  }

  async function sendWithRetry(call: UpstreamCall): Promise<ReplyFacts> {
    if (closing !== undefined) {
      throw new AppError('UPSTREAM_UNAVAILABLE', { cause: new Error('SCAYLE client is closed') });
    }
    // The header is read once per call: a reload during the call does not change what it sends.
    const sentWith = call.auth.kind === 'basic' ? basicHeader() : undefined;
    const reply = await sendOnce(call, buildRequest(call, sentWith));
    if (sentWith === undefined || options.onInvalidClient === undefined || !isInvalidClient(reply)) return reply;
    // issue 18 part 4: SCAYLE refused our client credentials. Re-read the secret (one re-read shared by
    // every call that fails at about the same time) and, only if it changed, send this call once more.
    // Safe even for a POST (register, login...): SCAYLE refused the request at client authentication,
    // before it did anything with it, so the first attempt had no effect. Never more than one retry.
    await options.onInvalidClient().catch(() => undefined);
    const fresh = basicHeader();
    if (fresh === sentWith) return reply;
    logger.warn({ operation: call.operation, requestId: call.ctx.requestId }, 'SCAYLE refused the client secret; retrying once');
    return sendOnce(call, buildRequest(call, fresh));
  }

  async function sendOnce(call: UpstreamCall, request: Dispatcher.RequestOptions): Promise<ReplyFacts> {
    // Only GETs are replayed, and only once: a replayed POST could register or revoke twice.
    const attempts = call.method === 'GET' ? 2 : 1;
    for (let n = 1; ; n++) {
      try {
        return await attempt(request);
      } catch (err) {
        if (err instanceof AppError) throw err;
        const facts = { operation: call.operation, requestId: call.ctx.requestId, code: transportCode(err) };
        if (n < attempts && isRetryableTransportError(err)) {
          logger.debug?.(facts, 'Retrying idempotent SCAYLE request after a connection error');
          continue;
        }
        logger.warn(facts, 'SCAYLE request failed');
        throw mapTransportError(err);
      }
    }
  }

  return {
    async send(call) {
      if (onCall === undefined) return sendWithRetry(call);
      const started = performance.now();
      try {
        const reply = await sendWithRetry(call);
        report(call, statusClass(reply.status), started);
        return reply;
      } catch (err) {
        report(call, failureOutcome(err), started);
        throw err;
      }
    },
    close() {
      closing ??= ownsDispatcher ? dispatcher.destroy() : Promise.resolve();
      return closing;
    },
  };
}

function statusClass(status: number): UpstreamCallOutcome {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return status >= 200 ? '2xx' : '1xx';
}

function failureOutcome(err: unknown): UpstreamCallOutcome {
  const code = err instanceof AppError ? err.code : undefined;
  if (code === 'UPSTREAM_TIMEOUT') return 'timeout';
  if (code === 'UPSTREAM_UNAVAILABLE') return 'unavailable';
  return 'bad_response';
}
