// issue 18 part 3, root of a SHOPS_FILE deployment: the router's `shop` constraint (every shop route
// carries it, see shop-scope.ts), so one URL serves each shop from its own context; a request no shop
// claims is 404 SHOP_UNKNOWN before anything shop-scoped (rate limits, sessions, SCAYLE) runs. Known
// shops' unknown paths are 404 / 405 as in a single-shop deployment, limited by that shop's budget.
import { strict as assert } from 'node:assert';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { createRouteMethods } from '../http/route-methods.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { ShopResolver } from './resolve-shop.js';

/** What the root needs of each shop's context, filled in as each registers (shop-app.ts). */
export interface ShopHandles {
  /** The shop's per-IP budget for unknown paths (the single-shop not-found plugin's). */
  notFoundLimit: preHandlerAsyncHookHandler;
  pingStore(): Promise<unknown>;
  /** issue 18 part 4: the shop's own secrets, re-read with every other shop's on SIGHUP. */
  secrets: SecretStore;
  probeUpstream(): Promise<unknown>;
}

/** The router's handler type, as Fastify's declaration of addConstraintStrategy names it. */
type RouterHandler = NonNullable<ReturnType<ReturnType<Parameters<FastifyInstance['addConstraintStrategy']>[0]['storage']>['get']>>;

export interface ShopRoutingOptions {
  resolve: ShopResolver;
  handles: ReadonlyMap<string, ShopHandles>;
}

export const shopRoutingPlugin = fp(
  async (app: FastifyInstance, { resolve, handles }: ShopRoutingOptions) => {
    app.addConstraintStrategy({
      name: 'shop',
      storage() {
        const byShop = new Map<unknown, RouterHandler>();
        return {
          get: (shop) => byShop.get(shop) ?? null,
          set: (shop, handler) => {
            byShop.set(shop, handler);
          },
        };
      },
      // The router asks once per request; ops routes carry no constraint and so match every host.
      deriveConstraint: (request) => resolve(request),
      mustMatchWhenDerived: false,
      validate: (value) => assert(typeof value === 'string', 'a shop constraint is a shop id'),
    });

    const routes = createRouteMethods();
    app.addHook('onRoute', (route) => {
      if (route.url !== '*') routes.add(route.method, route.url);
    });
    app.addHook('onRequest', async function (request, reply) {
      if (!request.is404) return;
      const shop = resolve(request.raw);
      const handle = shop === undefined ? undefined : handles.get(shop);
      if (handle === undefined) throw new AppError('SHOP_UNKNOWN');
      await handle.notFoundLimit.call(this, request, reply);
    });
    app.setNotFoundHandler(async (request) => {
      const allowed = routes.allowed(request.url);
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        throw new AppError('METHOD_NOT_ALLOWED', { headers: { allow: allowed.join(', ') } });
      }
      throw new AppError('NOT_FOUND');
    });
  },
  { name: 'shop-routing', dependencies: ['error-handler'] },
);

/** Readiness over every shop: the store must answer for each; SCAYLE counts as up while any shop's does. */
export function shopChecks(handles: ReadonlyMap<string, ShopHandles>): { store(): Promise<unknown>; upstream(): Promise<unknown> } {
  const all = () => [...handles.values()];
  return {
    store: () => Promise.all(all().map((h) => h.pingStore())),
    // One tenant's SCAYLE outage must not take the instance (and every other shop) off the load balancer.
    upstream: () => Promise.any(all().map((h) => h.probeUpstream())),
  };
}
