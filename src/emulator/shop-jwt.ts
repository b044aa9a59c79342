// The browser-redirect endpoints (§5.8, §5.15) take `?shopId=&jwt=` with an HS256 JWT signed by the shop
// secret; this checks the query (422 on failure, as documented) and the JWT (400 on failure).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { EmulatorContext } from './context.js';
import { fail } from './http.js';

export async function verifyShopJwt(
  ctx: EmulatorContext,
  request: FastifyRequest,
  reply: FastifyReply,
  requiredClaims: string[],
): Promise<JWTPayload | undefined> {
  const query = request.query as Record<string, unknown>;
  const { shopId, jwt } = query;
  if (typeof shopId !== 'string' || typeof jwt !== 'string' || jwt === '') {
    fail(reply, 422, 'validation_error', 'Query parameters shopId and jwt are required.');
    return undefined;
  }
  if (shopId !== String(ctx.settings.shopId)) {
    fail(reply, 422, 'validation_error', 'Unknown shopId.');
    return undefined;
  }
  try {
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode(ctx.settings.shopSecret), {
      algorithms: ['HS256'],
      currentDate: new Date(ctx.now()),
      requiredClaims: ['iat', 'exp', ...requiredClaims],
    });
    if (!isHttpUrl(payload.callbackUrl)) throw new Error('callbackUrl is not an absolute http(s) URL');
    return payload;
  } catch {
    fail(reply, 400, 'invalid_jwt', 'The JWT is invalid or expired.');
    return undefined;
  }
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
