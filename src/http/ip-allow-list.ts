// PASSWORD_VALIDATION_ALLOWED_IPS: comma-separated CIDRs (a bare address is a /32 or /128), matched
// with node's BlockList. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, as a dual-stack socket reports
// IPv4 callers) are matched as the IPv4 address they carry.
import { BlockList, isIP } from 'node:net';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** The parsed list, or undefined when an entry is not an address or CIDR. */
export function parseCidrs(entries: readonly string[]): Cidr[] | undefined {
  const cidrs: Cidr[] = [];
  for (const entry of entries) {
    const [address = '', prefixText, ...rest] = entry.split('/');
    const version = isIP(address);
    if (version === 0 || rest.length > 0) return undefined;
    const max = version === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
    if (prefix < 0 || prefix > max) return undefined;
    cidrs.push({ address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' });
  }
  return cidrs;
}

/** A predicate over client IPs (as Fastify's request.ip gives them, TRUST_PROXY applied). */
export function createIpAllowList(cidrs: readonly Cidr[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const c of cidrs) list.addSubnet(c.address, c.prefix, c.family);
  return (ip) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const address = mapped ? mapped[1]! : ip;
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}
