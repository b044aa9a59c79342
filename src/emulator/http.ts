// Request/response helpers shared by the routes: SCAYLE-shaped errors, the Basic / Bearer / X-Shop-Id
// checks, and zod body parsing that answers 400 validation_error.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { EmulatorContext } from './context.js';
import type { AccessRecord } from './records.js';
import { verifyAccess } from './tokens.js';

/** SCAYLE's error body (§3.2): `error` key, human `message`, `context` (null unless there is detail). */
export function fail(
  reply: FastifyReply,
  status: number,
  error: string,
  message: string,
  context: Record<string, unknown> | null = null,
): FastifyReply {
  return reply.code(status).type('application/json').send({ error, message, context });
}

export function invalidClient(reply: FastifyReply): FastifyReply {
  return fail(reply, 401, 'INVALID_CLIENT', 'Client authentication failed.');
}

/** Answers a bodiless success with the configured status (204, or 200 `{}`). */
export function done(ctx: EmulatorContext, reply: FastifyReply): FastifyReply {
  return ctx.settings.emptySuccessStatus === 204 ? reply.code(204).send() : reply.code(200).send({});
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Basic client authentication; answers 401 INVALID_CLIENT itself and returns false when it fails. */
export function checkClient(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const separator = decoded.indexOf(':');
  const ok =
    separator > 0 &&
    safeEqual(decoded.slice(0, separator), ctx.settings.clientId) &&
    [ctx.settings.clientSecret, ctx.settings.previousClientSecret].some(
      (secret) => secret !== undefined && safeEqual(decoded.slice(separator + 1), secret),
    );
  if (!ok) invalidClient(reply);
  return ok;
}

/** Bearer customer authentication; answers 401 invalid_token itself when it fails. */
export async function checkBearer(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply): Promise<AccessRecord | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  const record = match?.[1] ? await verifyAccess(ctx, match[1]) : undefined;
  if (!record) {
    reply.header('www-authenticate', 'Bearer error="invalid_token"');
    fail(reply, 401, 'invalid_token', 'The access token is missing, invalid, expired or revoked.');
  }
  return record;
}

/** `X-Shop-Id` must name our shop (logout, revoke); answers 400 itself when it does not. */
export function checkShopHeader(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply): boolean {
  const ok = request.headers['x-shop-id'] === String(ctx.settings.shopId);
  if (!ok) fail(reply, 400, 'validation_error', 'Header X-Shop-Id is missing or names another shop.');
  return ok;
}

/** Parses a body; answers 400 validation_error naming the bad fields (never their values) on failure. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, reply: FastifyReply): z.infer<T> | undefined {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
  fail(reply, 400, 'validation_error', 'The given data was invalid.', { fields });
  return undefined;
}

/** Seed 004's `client_key`: must equal the `clientKey` switch when set; answers 401 itself otherwise. */
export function checkClientKey(ctx: EmulatorContext, clientKey: string, reply: FastifyReply): boolean {
  const expected = ctx.settings.clientKey;
  if (expected === undefined || expected === clientKey) return true;
  invalidClient(reply);
  return false;
}

/** The `{hash}` / `{token}` placeholder substitution SCAYLE does on links it mails. */
export function fillPlaceholder(template: string, placeholder: string, value: string): string {
  return template.split(`{${placeholder}}`).join(encodeURIComponent(value));
}
