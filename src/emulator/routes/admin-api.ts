// issue 17 part 4: SCAYLE's Admin API, as far as the BFF uses it: the customer update, under
// /api/admin/v1 (ADMIN_API_BASE_URL in dev mode), X-Access-Token checked, faults through the gate like
// every endpoint. What it accepted is kept in state.adminCustomerUpdates and at GET /__emulator/admin-customer-updates.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../context.js';
import { gate } from '../gate.js';

/** The Admin API's error shape: `{ errors: [{ code, message }] }`. */
function adminFail(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply
    .code(status)
    .type('application/json')
    .send({ errors: [{ code, message }] });
}

const params = z.object({ shopKey: z.string().min(1), countryCode: z.string().min(2), customerId: z.coerce.number().int().positive() });
const body = z.record(z.string(), z.unknown());

export function adminApiRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state, settings } = ctx;

  app.patch(
    '/api/admin/v1/shops/:shopKey/countries/:countryCode/customers/:customerId',
    { onRequest: gate(ctx, 'admin.customer-update') },
    (request, reply) => {
      if (request.headers['x-access-token'] !== settings.adminApiToken)
        return adminFail(reply, 401, 'UNAUTHORIZED', 'Invalid access token.');
      const p = params.safeParse(request.params);
      const b = body.safeParse(request.body ?? {});
      if (!p.success || !b.success) return adminFail(reply, 400, 'VALIDATION_ERROR', 'The given data was invalid.');
      const customer = state.customers.get(p.data.customerId);
      if (!customer || customer.guest) return adminFail(reply, 404, 'NOT_FOUND', 'Customer not found.');
      customer.adminAttributes = { ...customer.adminAttributes, ...b.data };
      state.adminCustomerUpdates.push({ customerId: customer.id, shopKey: p.data.shopKey, countryCode: p.data.countryCode, body: b.data });
      return reply.code(200).send({ id: customer.id, email: customer.email, ...customer.adminAttributes });
    },
  );

  app.get('/__emulator/admin-customer-updates', (_request, reply) => reply.send({ updates: state.adminCustomerUpdates }));
}
