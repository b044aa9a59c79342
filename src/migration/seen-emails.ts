// Which e-mails an import has already seen, in 16 bytes per address rather than a Set of strings (a
// 2-million-line file would hold ~200 MB of them): 64-bit fingerprints (the first 8 bytes of the
// address's SHA-256, which the record id already computes) in an open-addressing table at most half full.
// A false "duplicate" needs two of the file's addresses to share 64 bits: about 1e-7 for 2 million.

export interface SeenEmails {
  /** True the first time `digest` (a SHA-256 of the address) is added, false on a repeat. */
  add(digest: Buffer): boolean;
  readonly size: number;
}

export function createSeenEmails(initialCapacity = 1 << 16): SeenEmails {
  let table = new BigUint64Array(initialCapacity);
  let size = 0;

  const insert = (into: BigUint64Array, fingerprint: bigint): boolean => {
    const mask = into.length - 1;
    let slot = Number(fingerprint & BigInt(mask));
    for (;;) {
      const existing = into[slot]!;
      if (existing === 0n) {
        into[slot] = fingerprint;
        return true;
      }
      if (existing === fingerprint) return false;
      slot = (slot + 1) & mask;
    }
  };

  return {
    add(digest) {
      // 0 marks an empty slot.
      const fingerprint = digest.readBigUInt64BE(0) || 1n;
      if ((size + 1) * 2 > table.length) {
        const bigger = new BigUint64Array(table.length * 2);
        for (const f of table) if (f !== 0n) insert(bigger, f);
        table = bigger;
      }
      const added = insert(table, fingerprint);
      if (added) size += 1;
      return added;
    },
    get size() {
      return size;
    },
  };
}
