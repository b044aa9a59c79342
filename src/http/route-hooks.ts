// Per-route hooks added from an onRoute hook: they know their route's pattern when they are made, so a
// request pays no `request.routeOptions` read (a getter that builds a fresh object on every access).
import type { onResponseHookHandler, RouteOptions } from 'fastify';

/** Appends `hook` to the route's own onResponse hooks (which run after the global ones). */
export function appendOnResponse(route: RouteOptions, hook: onResponseHookHandler): void {
  const existing = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
  route.onResponse = [...existing, hook];
}
