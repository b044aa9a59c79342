// Which methods a path is served with, for the 405 answer's `allow` header. Fastify's router only says
// "no route", so the routes are collected as they are registered and matched here by their patterns
// (`:param` segments and a trailing `*`, the only forms this service uses).

export interface RouteMethods {
  /** Records a route as Fastify declares it (onRoute's `method` and `url`). */
  add(method: string | string[], url: string): void;
  /** The methods routes matching `path` serve, sorted; empty when no route matches. */
  allowed(path: string): string[];
}

const withoutTrailingSlash = (path: string): string => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);

function patternOf(url: string): RegExp {
  const source = withoutTrailingSlash(url)
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      if (segment === '*') return '.*';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/** An empty table; `ignoreTrailingSlash` matches the router's option of the same name (on here). */
export function createRouteMethods(): RouteMethods {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  return {
    add(method, url) {
      const key = withoutTrailingSlash(url);
      let route = routes.get(key);
      if (route === undefined) {
        route = { pattern: patternOf(url), methods: new Set() };
        routes.set(key, route);
      }
      for (const m of Array.isArray(method) ? method : [method]) route.methods.add(m);
    },
    allowed(path) {
      const target = withoutTrailingSlash(path.split('?', 1)[0] ?? '');
      const methods = new Set<string>();
      for (const { pattern, methods: served } of routes.values()) {
        if (pattern.test(target)) for (const m of served) methods.add(m);
      }
      return [...methods].sort();
    },
  };
}
