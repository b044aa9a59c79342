// The import of a legacy `email,hash` CSV: streamed through csv-parse (the file is never in memory),
// each row checked (e-mail, known format within our cost bounds, first occurrence), sealed with the
// session key ring and written in pipelined batches with a bounded number in flight, so memory stays
// flat whatever the file's size. The report holds counts and skipped line numbers, never a hash.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { email as emailSchema } from '../http/schemas.js';
import type { SessionCrypto } from '../sessions/session-crypto.js';
import type { CredentialEntry, CredentialStore } from './credential-store.js';
import { UnsupportedHashError, type HashFormats } from './hash-formats.js';
import { createSeenEmails } from './seen-emails.js';

export interface SkippedLine {
  line: number;
  reason: string;
}

export interface ImportReport {
  /** Rows accepted (written, or in a dry run: would be written). */
  loaded: number;
  created: number;
  updated: number;
  skipped: SkippedLine[];
  /** Accepted rows by format name. */
  byFormat: Record<string, number>;
  /** The dummy written for unknown e-mails (same format and cost as most rows), if any row was loaded. */
  dummyProfile: string | undefined;
}

export interface ImportOptions {
  input: Readable;
  /** Undefined in a dry run: rows are checked, nothing is written. */
  store: CredentialStore | undefined;
  crypto: SessionCrypto;
  formats: HashFormats;
  batchSize?: number;
  /** Batches written concurrently (each one pipeline). */
  maxInFlight?: number;
  onProgress?: (lines: number) => void;
}

/** Thrown when the file is not a legacy CSV at all (no `email,hash` header). */
export class ImportFileError extends Error {}

export async function importLegacyCsv(options: ImportOptions): Promise<ImportReport> {
  const { input, store, crypto, formats, batchSize = 1000, maxInFlight = 4 } = options;
  const report: ImportReport = { loaded: 0, created: 0, updated: 0, skipped: [], byFormat: {}, dummyProfile: undefined };
  const seen = createSeenEmails();
  const profiles = new Map<string, { count: number; dummy: string }>();
  const inFlight: Promise<void>[] = [];
  let batch: CredentialEntry[] = [];
  let lines = 0;

  const flush = async (): Promise<void> => {
    if (batch.length === 0 || !store) return;
    const entries = batch;
    batch = [];
    const written = store.putMany(entries).then(({ created, updated }) => {
      report.created += created;
      report.updated += updated;
    });
    // Handled here so a failure while another batch is awaited is not an unhandled rejection; the
    // await below still throws it.
    written.catch(() => undefined);
    inFlight.push(written);
    if (inFlight.length >= maxInFlight) await inFlight.shift();
  };

  let emailAt = -1;
  let hashAt = -1;
  let hashLast = false;
  const parser = input.pipe(
    parse({
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // A row csv-parse cannot read (an unclosed quote) is skipped and reported, not fatal.
      skip_records_with_error: true,
    }),
  );
  parser.on('skip', (error: { lines?: number; code?: string }) => {
    // The code names the problem (e.g. CSV_QUOTE_NOT_CLOSED); the message would quote the row.
    report.skipped.push({ line: error.lines ?? lines + 1, reason: `malformed CSV (${error.code ?? 'unreadable row'})` });
  });

  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    lines = info.lines;
    if (emailAt < 0) {
      const names = record.map((h) => h.trim().toLowerCase());
      emailAt = names.indexOf('email');
      hashAt = names.indexOf('hash');
      if (emailAt < 0 || hashAt < 0) throw new ImportFileError('the header line must name the columns email,hash');
      hashLast = hashAt === names.length - 1;
      continue;
    }
    options.onProgress?.(lines);
    const skip = (reason: string) => report.skipped.push({ line: info.lines, reason });
    // An argon2 PHC string has commas (m=…,t=…,p=…): unquoted in a last "hash" column it spans several
    // fields, which belong together.
    const rawHash = hashLast ? record.slice(hashAt).join(',') : record[hashAt];
    const rawEmail = record[emailAt];
    const address = emailSchema.safeParse(rawEmail ?? '');
    const hash = (rawHash ?? '').trim();
    if (!address.success) {
      skip('bad e-mail');
      continue;
    }
    let recognised;
    try {
      recognised = formats.recognise(hash);
    } catch (error) {
      if (!(error instanceof UnsupportedHashError)) throw error;
      // The messages name formats and bounds, never the hash.
      skip(error.message);
      continue;
    }
    const digest = createHash('sha256').update(address.data, 'utf8').digest();
    if (!seen.add(digest)) {
      skip('duplicate e-mail');
      continue;
    }
    const id = digest.toString('base64url');
    report.loaded += 1;
    report.byFormat[recognised.format.name] = (report.byFormat[recognised.format.name] ?? 0) + 1;
    const profile = profiles.get(recognised.profile);
    if (profile) profile.count += 1;
    else profiles.set(recognised.profile, { count: 1, dummy: recognised.format.dummyLike(hash) });
    if (!store) continue;
    batch.push({ id, sealed: crypto.seal('credential', hash, id), format: recognised.format.name });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await Promise.all(inFlight);

  const top = [...profiles].sort((a, b) => b[1].count - a[1].count)[0];
  if (top) {
    report.dummyProfile = top[0];
    await store?.setDummy(top[1].dummy);
  }
  report.skipped.sort((a, b) => a.line - b.line);
  return report;
}
