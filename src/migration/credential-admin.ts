// The ops side of the credential store: counts by format and state (--stats) and deleting the records of
// customers who have migrated (--purge-migrated). Both walk the whole store page by page.
import type { CredentialStore } from './credential-store.js';

export interface CredentialStats {
  total: number;
  migrated: number;
  pending: number;
  byFormat: Record<string, { migrated: number; pending: number }>;
}

export async function credentialStats(store: CredentialStore): Promise<CredentialStats> {
  const stats: CredentialStats = { total: 0, migrated: 0, pending: 0, byFormat: {} };
  for await (const page of store.summaries()) {
    for (const { format, migrated } of page) {
      const counts = (stats.byFormat[format] ??= { migrated: 0, pending: 0 });
      stats.total += 1;
      if (migrated) {
        stats.migrated += 1;
        counts.migrated += 1;
      } else {
        stats.pending += 1;
        counts.pending += 1;
      }
    }
  }
  return stats;
}

/** Deletes every migrated record; resolves to how many went. */
export async function purgeMigrated(store: CredentialStore): Promise<number> {
  let purged = 0;
  for await (const page of store.summaries()) {
    purged += await store.deleteMany(page.filter((s) => s.migrated).map((s) => s.id));
  }
  return purged;
}
