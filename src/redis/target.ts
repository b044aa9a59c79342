// Where the service's Redis is, as operators run it: one node by URL, a Redis Cluster by seed nodes, or a
// primary found through Sentinel. The config schema builds one of these; connection.ts opens it.

export interface HostPort {
  host: string;
  port: number;
}

/** ACL credentials of the data nodes (Cluster, Sentinel); a REDIS_URL carries its own in the URL. */
export interface NodeAuth {
  username?: string | undefined;
  password?: string | undefined;
}

export type RedisTarget =
  | { kind: 'url'; url: string }
  | ({ kind: 'cluster'; nodes: HostPort[] } & NodeAuth)
  | ({ kind: 'sentinel'; sentinels: HostPort[]; name: string; sentinelPassword?: string | undefined } & NodeAuth);

/** `host:port` entries (IPv6 as `[::1]:6379`); undefined when one is malformed or the list is empty. */
export function parseHostPorts(entries: string[]): HostPort[] | undefined {
  if (entries.length === 0) return undefined;
  const out: HostPort[] = [];
  for (const entry of entries) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) return undefined;
    out.push({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port });
  }
  return out;
}

/** A description of the target for logs: hosts and ports, never a password or URL userinfo. */
export function describeTarget(target: RedisTarget): string {
  const list = (nodes: HostPort[]): string => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if (target.kind === 'cluster') return `cluster ${list(target.nodes)}`;
  if (target.kind === 'sentinel') return `sentinel ${target.name} via ${list(target.sentinels)}`;
  const url = new URL(target.url);
  return `${url.protocol}//${url.host}`;
}
