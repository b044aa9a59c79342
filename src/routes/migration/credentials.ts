// POST /checkout/password/credentials: SCAYLE asks whether a migrating customer's password is right.
// Its own scope: IP allow-list (403), a per-caller budget, Basic auth (401) before the body is read,
// then a per-e-mail budget and the check. Not in the OpenAPI document: the schema is SCAYLE's, per shop.
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../errors.js';
import { basicAuthPlugin } from '../../http/basic-auth.js';
import { createIpAllowList } from '../../http/ip-allow-list.js';
import { problems } from '../../http/schemas.js';
import { BusyError } from '../../migration/check-limiter.js';
import { credentialsOf, responseOf, validationRequest, validationResponse } from '../../migration/validation-schema.js';

export const PASSWORD_VALIDATION_PATH = '/checkout/password/credentials';
const GROUP = 'password-validation';

export async function credentialsRoutes(app: FastifyInstance): Promise<void> {
  const settings = app.config.passwordValidation;
  // Both credentials unset: the route does not exist (404 like any unknown path).
  if (settings === undefined) return;

  await app.register(async (scope) => {
    if (settings.allowedIps.length > 0) {
      const allowed = createIpAllowList(settings.allowedIps);
      scope.addHook('onRequest', async (request) => {
        if (!allowed(request.ip)) throw new AppError('FORBIDDEN', { detail: 'Caller address not allowed' });
      });
    }
    // Counted before Basic auth, so guessing the credentials spends the same budget.
    const callerLimit = app.keyedLimit(GROUP, 'caller', settings.callerPerMinute);
    scope.addHook('onRequest', (request) => callerLimit(request, normalizeIP(request.ip)));
    // issue 18 part 4: the password in use per request (PASSWORD_VALIDATION_PASSWORD_FILE reloads).
    const password = () => app.secrets.current.PASSWORD_VALIDATION_PASSWORD ?? settings.password;
    await scope.register(basicAuthPlugin, { username: settings.username, password, realm: 'password-validation' });

    const emailLimit = app.keyedLimit(GROUP, 'email', settings.emailPerMinute);

    scope.withTypeProvider<ZodTypeProvider>().post(PASSWORD_VALIDATION_PATH, {
      schema: {
        hide: true,
        body: validationRequest,
        response: { 200: validationResponse, ...problems(400, 401, 403, 413, 415, 429, 503) },
      },
      preHandler: (request) => emailLimit(request, credentialsOf(request.body).email),
      handler: async (request) => {
        const { email, password } = credentialsOf(request.body);
        try {
          return responseOf(await app.passwordValidator.check(email, password));
        } catch (error) {
          if (error instanceof BusyError)
            throw new AppError('SERVICE_UNAVAILABLE', { detail: error.message, headers: { 'retry-after': '1' } });
          throw error;
        }
      },
    });
  });
}
