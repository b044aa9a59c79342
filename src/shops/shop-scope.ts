// issue 18 part 3: one shop's encapsulated context. Every route registered in it (by the shop's plugins
// and route modules, at its path prefix if it has one) is constrained to the shop and labelled with it.
import type { FastifyInstance } from 'fastify';

export interface ShopScopeOptions {
  shopId: string;
  /** Registers the shop's plugins and routes into the scope (shop-app.ts). */
  register: (scope: FastifyInstance) => Promise<void>;
}

export async function shopScope(scope: FastifyInstance, { shopId, register }: ShopScopeOptions): Promise<void> {
  scope.addHook('onRoute', (route) => {
    // Read by the router (shop-routing.ts) and by the request metrics (plugins/metrics.ts).
    route.constraints = { ...route.constraints, shop: shopId };
    route.config = { ...route.config, shop: shopId };
  });
  await register(scope);
}
