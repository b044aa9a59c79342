// Which shop a request is for (issue 18 part 3): the host (port dropped, case folded), X-Forwarded-Host
// only from a trusted proxy (as Fastify's request.host), else the first path segment.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { TrustProxy } from '../../src/config.js';
import { createShopResolver } from '../../src/shops/resolve-shop.js';

const shops = [
  { id: 'de', hosts: ['de.shop.example'], pathPrefix: undefined },
  { id: 'fr', hosts: [], pathPrefix: '/fr' },
];
const request = (url: string, headers: Record<string, string>, remoteAddress = '10.0.0.5') =>
  ({ url, headers, socket: { remoteAddress } }) as unknown as IncomingMessage;
const resolverWith = (trust: TrustProxy) => createShopResolver(shops, trust);

describe('shop resolution', () => {
  const resolve = resolverWith(false);

  it('reads the Host header without its port, in any case', () => {
    expect(resolve(request('/auth/login', { host: 'de.shop.example' }))).toBe('de');
    expect(resolve(request('/auth/login', { host: 'DE.Shop.Example:8443' }))).toBe('de');
    expect(resolve(request('/auth/login', { host: 'other.example' }))).toBeUndefined();
  });

  it('falls back to the first path segment', () => {
    expect(resolve(request('/fr/auth/login', { host: 'other.example' }))).toBe('fr');
    expect(resolve(request('/fr?x=1', { host: 'other.example' }))).toBe('fr');
    expect(resolve(request('/fred/auth', { host: 'other.example' }))).toBeUndefined();
    expect(resolve(request('/', {}))).toBeUndefined();
  });

  it('ignores X-Forwarded-Host unless the peer is a trusted proxy', () => {
    const forwarded = { host: 'internal:3000', 'x-forwarded-host': 'de.shop.example' };
    expect(resolve(request('/auth/login', forwarded))).toBeUndefined();
    expect(resolverWith(true)(request('/auth/login', forwarded))).toBe('de');
    expect(resolverWith(['10.0.0.0/8'])(request('/auth/login', forwarded))).toBe('de');
    expect(resolverWith(['10.0.0.0/8'])(request('/auth/login', forwarded, '192.0.2.1'))).toBeUndefined();
    expect(resolverWith(['loopback'])(request('/auth/login', forwarded, '127.0.0.1'))).toBe('de');
    // The last entry is the one the nearest (trusted) proxy wrote.
    expect(resolverWith(true)(request('/x', { 'x-forwarded-host': 'de.shop.example, evil.example' }))).toBeUndefined();
    expect(resolverWith(true)(request('/x', { 'x-forwarded-host': 'evil.example, de.shop.example' }))).toBe('de');
  });
});
