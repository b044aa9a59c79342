// What runs after every answer (the access line, the request metrics) as plain functions: one onResponse
// hook per route, and one for the requests no route matched, calls them all. A Fastify hook of its own per
// observer costs a hook-runner step per request each (issue 20). Made from onRoute hooks, they know their
// route's pattern when they are made, so a request pays no `request.routeOptions` read (a getter that
// builds a fresh object on every access).
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

/** Sees every answer of its route once it is sent; must not throw. */
export type ResponseObserver = (request: FastifyRequest, reply: FastifyReply) => void;

const byRoute = new WeakMap<RouteOptions, ResponseObserver[]>();
const unmatchedByApp = new WeakMap<FastifyInstance, ResponseObserver[]>();

/** Adds `observer` to the answers of the route being registered (call it from an onRoute hook). */
export function observeRoute(route: RouteOptions, observer: ResponseObserver): void {
  addObserver(byRoute, route, observer, (list) => {
    const existing = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
    route.onResponse = [
      ...existing,
      (request, reply, done) => {
        for (const observe of list) observe(request, reply);
        done();
      },
    ];
  });
}

/** Adds `observer` to the answers of requests no route matched (404, 405). */
export function observeUnmatched(app: FastifyInstance, observer: ResponseObserver): void {
  addObserver(unmatchedByApp, app, observer, (list) => {
    app.addHook('onResponse', (request, reply, done) => {
      if (request.is404) for (const observe of list) observe(request, reply);
      done();
    });
  });
}

/** Appends to the owner's list; the first observer of an owner installs the one hook that calls the list. */
function addObserver<K extends object>(
  lists: WeakMap<K, ResponseObserver[]>,
  owner: K,
  observer: ResponseObserver,
  install: (list: readonly ResponseObserver[]) => void,
): void {
  const known = lists.get(owner);
  if (known) {
    known.push(observer);
    return;
  }
  const list = [observer];
  lists.set(owner, list);
  install(list);
}
