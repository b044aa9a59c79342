// Black-box control under /__emulator: faults, outbox, call stats, key rotation and switches over HTTP, for
// tests that only have the emulator's URL. Not counted and never faulted, so a test can always recover.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../context.js';
import { parseBody } from '../http.js';
import { patchSettings } from '../options.js';
import { ENDPOINTS } from '../records.js';

const faultBody = z.strictObject({
  endpoint: z.enum(ENDPOINTS).optional(),
  status: z.number().int().min(100).max(599).optional(),
  body: z.string().optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
  reset: z.boolean().optional(),
  times: z.number().int().min(1).optional(),
});

const seconds = z.number().int().positive();

/** Every JSON-expressible switch; `null` resets an optional one to its default. `now` stays programmatic. */
const optionsPatch = z
  .strictObject({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    previousClientSecret: z.string().min(1).nullable(),
    shopId: z.number().int(),
    shopSecret: z.string().min(1),
    accessTokenTtlSeconds: seconds,
    refreshTokenTtlSeconds: seconds,
    rotation: z.enum(['strict', 'grace', 'off']),
    rotationGraceMs: z.number().int().min(0),
    refreshExpiry: z.enum(['sliding', 'absolute']),
    reuseRevokesFamily: z.boolean(),
    revokeAccessOnRefresh: z.boolean(),
    invalidGrantStatus: z.literal([400, 401]),
    registerStatus: z.literal([200, 201]),
    wrongPasswordStatus: z.literal([400, 401, 404]),
    unknownEmailStatus: z.literal([400, 401, 404]).nullable(),
    passwordMinLength: z.number().int().min(1),
    guestConflictsWithRegistered: z.boolean(),
    resetUnknownEmailStatus: z.literal([204, 404]),
    resetHashTtlSeconds: seconds,
    passwordChangeRevokesOthers: z.boolean(),
    passwordChangeReturnsTokens: z.boolean(),
    emptySuccessStatus: z.literal([200, 204]),
    authCodeTtlSeconds: seconds,
    externalRedirectError: z.string().min(1).nullable(),
    externalCallbackUrls: z.array(z.url()).nullable(),
    idpAutoLogin: z.boolean(),
    magicLinkUrl: z.string().includes('{token}'),
    magicLinkTtlSeconds: seconds,
    magicLinkCreatesCustomer: z.boolean(),
    adminApiToken: z.string().min(1),
    clientKey: z.string().min(1).nullable(),
    issuer: z.string().min(1).nullable(),
    externalPasswordValidation: z.strictObject({ url: z.url(), username: z.string().min(1), password: z.string().min(1) }).nullable(),
  })
  .partial();

export function adminRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { faults, state } = ctx;

  app.post('/__emulator/faults', (request, reply) => {
    const fault = parseBody(faultBody, request.body, reply);
    if (!fault) return reply;
    faults.add(fault);
    return reply.code(201).send({ faults: faults.list() });
  });

  app.get('/__emulator/faults', (_request, reply) => reply.send({ faults: faults.list() }));

  app.delete('/__emulator/faults', (_request, reply) => {
    faults.clear();
    return reply.code(204).send();
  });

  app.get('/__emulator/outbox', (_request, reply) => reply.send(state.outbox));

  app.get('/__emulator/stats', (_request, reply) => reply.send({ calls: state.stats() }));

  app.post('/__emulator/rotate-key', async (_request, reply) => {
    const kid = await ctx.keys.rotate();
    return reply.code(200).send({ kid });
  });

  app.patch('/__emulator/options', (request, reply) => {
    const patch = parseBody(optionsPatch, request.body, reply);
    if (!patch) return reply;
    const cleaned = Object.fromEntries(Object.entries(patch).map(([key, value]) => [key, value ?? undefined]));
    patchSettings(ctx.settings, cleaned);
    return reply.code(204).send();
  });

  // Seed 001: a migrated customer whose password the shop's validation service checks on first login.
  app.post('/__emulator/external-customers', (request, reply) => {
    const body = parseBody(
      z.strictObject({ email: z.email(), first_name: z.string().default(''), last_name: z.string().default('') }),
      request.body,
      reply,
    );
    if (!body) return reply;
    const existing = state.findRegisteredByEmail(body.email);
    if (existing) return reply.code(409).send({ error: 'conflict' });
    const customer = state.addCustomer({
      email: body.email,
      firstName: body.first_name,
      lastName: body.last_name,
      guest: false,
      externalPassword: true,
    });
    return reply.code(201).send({ id: customer.id });
  });

  app.get('/__emulator/external-password-checks', (_request, reply) => reply.send({ calls: state.externalPasswordChecks }));

  app.post('/__emulator/social-codes', (request, reply) => {
    const body = parseBody(z.object({ provider: z.string().min(1), email: z.string().min(3) }), request.body, reply);
    if (!body) return reply;
    return reply.code(201).send({ code: state.issueSocialCode(body.provider, body.email) });
  });
}
