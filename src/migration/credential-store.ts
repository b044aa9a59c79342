// The store of imported legacy credentials: one record per e-mail, keyed by a hash of the address (the
// store is not a mailing list), holding the sealed hash, the format name (for --stats, not trusted on
// checks) and when the customer migrated. Two adapters: Redis (credential-store-redis.ts) and memory
// (dev mode, credential-store-memory.ts). Values are copied in and out.
import { createHash } from 'node:crypto';

export interface CredentialEntry {
  id: string;
  sealed: Buffer;
  format: string;
}

export interface StoredCredential {
  sealed: Buffer;
  format: string;
  /** Epoch ms of the first successful check, undefined while pending. */
  migratedAt: number | undefined;
}

export interface CredentialSummary {
  id: string;
  format: string;
  migrated: boolean;
}

export interface CredentialStore {
  get(id: string): Promise<StoredCredential | null>;
  /** Creates or replaces each record's hash and format; a migrated mark stays. */
  putMany(entries: readonly CredentialEntry[]): Promise<{ created: number; updated: number }>;
  /** Marks an existing record migrated (never recreates a deleted one); false when it is gone. */
  markMigrated(id: string, atMs: number): Promise<boolean>;
  /** Every record's format and state, in pages (ops commands only: it walks the whole keyspace). */
  summaries(): AsyncIterable<CredentialSummary[]>;
  deleteMany(ids: readonly string[]): Promise<number>;
  /** The dummy hash checked for unknown e-mails (same format and cost as most imported records). */
  getDummy(): Promise<string | null>;
  setDummy(hash: string): Promise<void>;
  close(): Promise<void>;
}

/** The record id of an (already normalised) e-mail address: sha256, base64url. */
export const credentialId = (email: string): string => createHash('sha256').update(email, 'utf8').digest('base64url');
