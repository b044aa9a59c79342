// Inbound Basic auth for one encapsulated route scope (the password validation route): a missing or
// wrong Authorization header is 401 UNAUTHORIZED with `www-authenticate: Basic`. Both parts are compared
// as SHA-256 digests with timingSafeEqual, so neither their content nor their length shows in the timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { derived } from '../secrets/live.js';

export interface BasicAuthOptions {
  username: string;
  /** issue 18 part 4: a function is read per request (a reloaded password applies from the next request on). */
  password: string | (() => string);
  realm: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** True when the header carries exactly these credentials. */
export function createBasicAuthCheck(username: string, password: string): (header: string | undefined) => boolean {
  const expectedUser = digest(username);
  const expectedPassword = digest(password);
  return (header) => {
    const match = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(header?.trim() ?? '');
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? '' : decoded.slice(0, colon);
    const pass = colon < 0 ? '' : decoded.slice(colon + 1);
    // Both comparisons always run: no early exit on a wrong user name.
    const userOk = timingSafeEqual(digest(user), expectedUser);
    const passwordOk = timingSafeEqual(digest(pass), expectedPassword);
    return colon >= 0 && userOk && passwordOk;
  };
}

/**
 * The check as an onRequest hook of the scope it is registered in: fastify-plugin'd so the hook lands in
 * that (encapsulated) route scope rather than in a child of its own that holds no route.
 */
export const basicAuthPlugin = fp(
  async (scope: FastifyInstance, options: BasicAuthOptions): Promise<void> => {
    const { password } = options;
    // The digests are recomputed only when the password changed, not per request.
    const check = derived(typeof password === 'string' ? () => password : password, (current) =>
      createBasicAuthCheck(options.username, current),
    );
    const challenge = `Basic realm="${options.realm}", charset="UTF-8"`;
    scope.addHook('onRequest', async (request: FastifyRequest) => {
      if (!check()(request.headers.authorization)) throw new AppError('UNAUTHORIZED', { headers: { 'www-authenticate': challenge } });
    });
  },
  { name: 'basic-auth' },
);
