// issue 20: which primary serves which hash slot, from a CLUSTER SLOTS answer, for the session cache on a
// Redis Cluster: tracked reads go to the primary of their slot, and two answers are compared to notice that
// the topology changed (any change flushes the cache).

export interface Primary {
  host: string;
  port: number;
  /** `host:port`, as the cache names the node's pair of connections. */
  address: string;
}

export interface SlotMap {
  primaries: Primary[];
  /** The address of the primary serving `slot`. */
  addressOf(slot: number): string;
  /** Equal for two answers exactly when every slot has the same primary (node id, host and port). */
  fingerprint: string;
}

const SLOTS = 16384;

/** What `fingerprint` would be for this answer, without building the map (compared every heartbeat). */
export function slotsFingerprint(reply: unknown): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  const ranges: string[] = [];
  for (const range of reply as unknown[]) {
    if (!Array.isArray(range) || !Array.isArray(range[2])) return undefined;
    const [start, end, [host, port, id]] = range as [unknown, unknown, unknown[]];
    ranges.push(`${String(start)}-${String(end)}=${String(id)}@${String(host)}:${String(port)}`);
  }
  return ranges.sort().join(',');
}

/** The map of a CLUSTER SLOTS answer; undefined unless every slot has a primary (a cluster being changed). */
export function parseClusterSlots(reply: unknown): SlotMap | undefined {
  if (!Array.isArray(reply)) return undefined;
  const owner = new Array<string | undefined>(SLOTS);
  const primaries = new Map<string, Primary>();
  for (const range of reply as unknown[]) {
    if (!Array.isArray(range)) return undefined;
    const [start, end, node] = range as [unknown, unknown, unknown];
    if (typeof start !== 'number' || typeof end !== 'number' || !Array.isArray(node)) return undefined;
    const [host, port] = node as [unknown, unknown, unknown];
    if (typeof host !== 'string' || host === '' || typeof port !== 'number') return undefined;
    const address = `${host}:${port}`;
    primaries.set(address, { host, port, address });
    for (let slot = start; slot <= end && slot < SLOTS; slot += 1) owner[slot] = address;
  }
  for (let slot = 0; slot < SLOTS; slot += 1) if (owner[slot] === undefined) return undefined;
  return {
    primaries: [...primaries.values()],
    addressOf: (slot) => owner[slot]!,
    fingerprint: slotsFingerprint(reply)!,
  };
}
