// `npm run import-legacy-passwords -- [--dry-run] <file.csv>`, `... --stats`, `... --purge-migrated`:
// loads a shop's legacy `email,hash` export into the password validation service's store. Same
// environment and the same factories as the service (config → Redis → credential store, key ring, hash
// formats); prints counts, skipped line numbers and reasons, never an e-mail or a hash. With SHOPS_FILE,
// `--shop <id>` picks the shop whose store (key prefix) the records go to (issue 18 part 3).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { loadCliShops, takeShopOption, type CliIo } from './cli-io.js';
import { credentialStats, purgeMigrated } from '../migration/credential-admin.js';
import { createRedisCredentialStore } from '../migration/credential-store-redis.js';
import type { CredentialStore } from '../migration/credential-store.js';
import { createHashFormats } from '../migration/hash-formats.js';
import { createImportProgress } from '../migration/import-progress.js';
import { ImportFileError, importLegacyCsv, type ImportReport } from '../migration/legacy-import.js';
import { createRedisClient } from '../redis/connection.js';
import { closeRedis, waitForRedis } from '../redis/lifecycle.js';
import { createSessionCrypto } from '../sessions/session-crypto.js';

export interface ImportCliIo extends CliIo {
  /** A terminal gets a progress bar (on `progressStream`), anything else periodic lines. */
  tty?: boolean;
  progressStream?: NodeJS.WriteStream;
}

const USAGE = 'usage: npm run import-legacy-passwords -- [--shop <id>] [--dry-run] <file.csv> | --stats | --purge-migrated';

type Command = { kind: 'import'; file: string; dryRun: boolean } | { kind: 'stats' } | { kind: 'purge' };

function parseArgs(argv: readonly string[]): Command | undefined {
  const flags = argv.filter((a) => a.startsWith('--'));
  const files = argv.filter((a) => !a.startsWith('--'));
  if (flags.length === 1 && files.length === 0 && flags[0] === '--stats') return { kind: 'stats' };
  if (flags.length === 1 && files.length === 0 && flags[0] === '--purge-migrated') return { kind: 'purge' };
  if (files.length === 1 && flags.every((f) => f === '--dry-run') && flags.length <= 1) {
    return { kind: 'import', file: files[0]!, dryRun: flags.length === 1 };
  }
  return undefined;
}

/** Runs one command; resolves to the process exit code (0 done, 1 nothing loaded or a failure, 2 usage). */
export async function runImportCli(argv: readonly string[], env: Record<string, string | undefined>, io: ImportCliIo): Promise<number> {
  const option = takeShopOption(argv);
  const command = 'problem' in option ? undefined : parseArgs(option.argv);
  if ('problem' in option || !command) {
    io.err('problem' in option ? `${option.problem}\n${USAGE}` : USAGE);
    return 2;
  }
  // The shop's config: its key prefix is where its validation route reads (plugins/migration.ts).
  const target = loadCliShops(option.shop, env, io, { scope: 'one' });
  if ('exit' in target) return target.exit;
  const { config } = target.shops[0]!;
  const dryRun = command.kind === 'import' && command.dryRun;
  if (!dryRun && config.redis === undefined) {
    io.err('REDIS_URL is unset: the service would keep credentials in its own process, which this command cannot reach');
    return 1;
  }
  if (config.session.encryptionKeysGenerated && !dryRun) {
    io.err('SESSION_ENCRYPTION_KEYS is unset: the service could not open what this command would seal');
    return 1;
  }

  const redis = dryRun || !config.redis ? undefined : createRedisClient(config.redis.target, { commandTimeoutMs: 10_000 });
  const formats = createHashFormats();
  try {
    let store: CredentialStore | undefined;
    if (redis && config.redis) {
      await waitForRedis(redis, 5_000);
      store = createRedisCredentialStore({ redis, keyPrefix: config.redis.keyPrefix });
    }
    if (command.kind === 'stats') return await printStats(store!, io);
    if (command.kind === 'purge') {
      io.out(`purged ${await purgeMigrated(store!)} migrated record(s)`);
      return 0;
    }

    const size = await stat(command.file).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) {
      io.err('cannot read the file');
      return 1;
    }
    const input = createReadStream(command.file);
    const progress = createImportProgress({
      totalBytes: size,
      tty: io.tty ?? false,
      out: io.out,
      ...(io.progressStream ? { stream: io.progressStream } : {}),
    });
    let report: ImportReport;
    try {
      report = await importLegacyCsv({
        input,
        store,
        crypto: createSessionCrypto(config.session.encryptionKeys),
        formats,
        onProgress: (lines) => progress.update(input.bytesRead, lines),
      });
    } catch (error) {
      if (!(error instanceof ImportFileError)) throw error;
      io.err(error.message);
      return 1;
    } finally {
      progress.stop();
    }
    printReport(report, dryRun, io);
    return report.loaded > 0 ? 0 : 1;
  } finally {
    await formats.close();
    if (redis) await closeRedis(redis);
  }
}

function printReport(report: ImportReport, dryRun: boolean, io: ImportCliIo): void {
  const formats = Object.entries(report.byFormat)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  if (dryRun) io.out(`dry run: ${report.loaded} record(s) would be loaded${formats ? ` (${formats})` : ''}; nothing was written`);
  else io.out(`loaded ${report.loaded} record(s): ${report.created} new, ${report.updated} updated${formats ? ` (${formats})` : ''}`);
  io.out(`skipped ${report.skipped.length} line(s)`);
  for (const { line, reason } of report.skipped) io.out(`  line ${line}: ${reason}`);
  if (report.loaded === 0) io.err('nothing could be loaded');
}

async function printStats(store: CredentialStore, io: ImportCliIo): Promise<number> {
  const stats = await credentialStats(store);
  io.out(`${stats.total} record(s): ${stats.migrated} migrated, ${stats.pending} pending`);
  for (const [format, counts] of Object.entries(stats.byFormat).sort()) {
    io.out(`  ${format}: ${counts.migrated} migrated, ${counts.pending} pending`);
  }
  return 0;
}

// Run as a program (npm run import-legacy-passwords), not when a test imports it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const io: ImportCliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    tty: process.stderr.isTTY,
    progressStream: process.stderr,
  };
  runImportCli(process.argv.slice(2), process.env, io).then(
    (code) => process.exit(code),
    (error: unknown) => {
      // Store failures: the class and message only (generic in this service; never a row's content).
      io.err(`failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`);
      process.exit(1);
    },
  );
}
