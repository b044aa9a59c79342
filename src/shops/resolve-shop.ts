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
    if (byPrefix.size === 0) return undefined;
    const url = request.url ?? '';
    const end = url.slice(1).search(/[/?#]/);
    return byPrefix.get(end < 0 ? url.slice(1) : url.slice(1, end + 1));
  };
}

function hostOf(request: IncomingMessage, trusted: (address: string) => boolean): string {
  const forwarded = request.headers['x-forwarded-host'];
  const address = request.socket?.remoteAddress;
  const raw =
    typeof forwarded === 'string' && forwarded !== '' && address !== undefined && trusted(address)
      ? (forwarded.split(',').at(-1) ?? '')
      : (request.headers.host ?? '');
  return raw.trim().replace(/:\d*$/, '').toLowerCase();
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
  return cidrs === undefined ? () => false : createIpAllowList(cidrs);
}
