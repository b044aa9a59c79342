// issue 18 part 3: which shop a request is for, from the raw request (the router asks before Fastify's
// request exists): its host (X-Forwarded-Host from a trusted proxy, as Fastify's request.host reads it;
// the port dropped), else the first path segment. The host decides when it names a shop.
import type { IncomingMessage } from 'node:http';
import type { TrustProxy } from '../config.js';
import { createIpAllowList, parseCidrs } from '../http/ip-allow-list.js';

export interface ShopRoute {
  id: string;
  hosts: readonly string[];
  pathPrefix: string | undefined;
}

/** The shop id of a request, or undefined when neither its host nor its path prefix names one. */
export type ShopResolver = (request: IncomingMessage) => string | undefined;

export function createShopResolver(shops: readonly ShopRoute[], trustProxy: TrustProxy): ShopResolver {
  const byHost = new Map(shops.flatMap((shop) => shop.hosts.map((host) => [host, shop.id] as const)));
  const byPrefix = new Map(shops.flatMap((shop) => (shop.pathPrefix === undefined ? [] : [[shop.pathPrefix.slice(1), shop.id] as const])));
  const trusted = trustFunction(trustProxy);
  return (request) => {
    if (byHost.size > 0) {
      const shop = byHost.get(hostOf(request, trusted));
      if (shop !== undefined) return shop;
    }
    return byPrefix.size === 0 ? undefined : byPrefix.get(firstSegment(request.url ?? ''));
  };
}

// String scans rather than regular expressions: this runs for every request of a SHOPS_FILE deployment.
function firstSegment(url: string): string {
  let end = 1;
  while (end < url.length && url[end] !== '/' && url[end] !== '?' && url[end] !== '#') end += 1;
  return url.slice(1, end);
}

function hostOf(request: IncomingMessage, trusted: (address: string) => boolean): string {
  const forwarded = request.headers['x-forwarded-host'];
  const address = request.socket?.remoteAddress;
  let host =
    typeof forwarded === 'string' && forwarded !== '' && address !== undefined && trusted(address)
      ? forwarded.slice(forwarded.lastIndexOf(',') + 1).trim()
      : (request.headers.host ?? '');
  // Shop hosts are names, never IPv6 literals, so the last colon starts the port.
  const colon = host.lastIndexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  return host.toLowerCase();
}

/** proxy-addr's names for address ranges, which TRUST_PROXY may use like Fastify does. */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Whether the direct peer is a trusted proxy (hop 0), as Fastify decides it for request.host. */
function trustFunction(trustProxy: TrustProxy): (address: string) => boolean {
  if (typeof trustProxy === 'boolean') return () => trustProxy;
  if (typeof trustProxy === 'function') return (address) => trustProxy(address, 0);
  const cidrs = parseCidrs(trustProxy.flatMap((entry) => NAMED_RANGES[entry] ?? [entry]));
  if (cidrs === undefined) return () => false;
  // BlockList checks cost microseconds; the peers that send X-Forwarded-Host are a few proxies, so cache
  // the answer per address (bounded: cleared when full, as any client may send the header).
  const allowed = createIpAllowList(cidrs);
  const known = new Map<string, boolean>();
  return (address) => {
    let answer = known.get(address);
    if (answer === undefined) {
      if (known.size >= 1024) known.clear();
      answer = allowed(address);
      known.set(address, answer);
    }
    return answer;
  };
}
