// CredentialStore in process (dev mode without REDIS_URL): bounded, values copied in and out.
import type { CredentialStore, CredentialSummary, StoredCredential } from './credential-store.js';

export function createMemoryCredentialStore(options: { maxEntries?: number } = {}): CredentialStore {
  const maxEntries = options.maxEntries ?? 100_000;
  const records = new Map<string, StoredCredential>();
  let dummy: string | null = null;
  return {
    get: async (id) => {
      const r = records.get(id);
      return r ? { ...r, sealed: Buffer.from(r.sealed) } : null;
    },
    putMany: async (entries) => {
      let created = 0;
      for (const e of entries) {
        const existing = records.get(e.id);
        if (!existing && records.size >= maxEntries) throw new RangeError('in-memory credential store is full');
        if (!existing) created += 1;
        records.set(e.id, { sealed: Buffer.from(e.sealed), format: e.format, migratedAt: existing?.migratedAt });
      }
      return { created, updated: entries.length - created };
    },
    markMigrated: async (id, atMs) => {
      const r = records.get(id);
      if (!r) return false;
      r.migratedAt ??= atMs;
      return true;
    },
    async *summaries() {
      const page: CredentialSummary[] = [...records].map(([id, r]) => ({ id, format: r.format, migrated: r.migratedAt !== undefined }));
      yield page;
    },
    deleteMany: async (ids) => ids.reduce((n, id) => n + (records.delete(id) ? 1 : 0), 0),
    getDummy: async () => dummy,
    setDummy: async (hash) => {
      dummy = hash;
    },
    close: async () => records.clear(),
  };
}
