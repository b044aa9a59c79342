// issue 18 part 4: the secrets in use and their reload. Consumers read `current` per use, so a reload
// swaps the snapshot between two uses and a request in flight finishes with what it already read. A
// reload re-reads every `_FILE` twin, checks each value with its variable's own schema, and applies all
// of them or, if any is unreadable or invalid, none (one error naming the variables, never a value).
import { readFile } from 'node:fs/promises';
import { fileProblem, fileVariable, secretFromText, SECRET_VARIABLES, type SecretName } from './secret-variables.js';
import { sameValue, type SecretValues } from './secret-values.js';

export type ReloadTrigger = 'sighup' | 'file' | 'invalid_client';
export type ReloadResult = { ok: true; changed: SecretName[] } | { ok: false; problems: string[] };

export interface SecretStoreOptions {
  initial: SecretValues;
  paths: Partial<Record<SecretName, string>>;
  /** The variable's schema (config-schema.ts parseField): the parsed value or why it is invalid. */
  parse(name: SecretName, raw: string): { ok: true; value: unknown } | { ok: false; message: string };
  logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Re-reads after invalid_client closer together than this share the last one. Default 1000 ms. */
  invalidClientCooldownMs?: number;
  now?: () => number;
}

export type SecretListener = (values: SecretValues, changed: SecretName[], trigger: ReloadTrigger) => void;

export interface SecretStore {
  /** The values in use now; a new object after each reload that changed something. */
  readonly current: SecretValues;
  /** Variables that have a `_FILE` twin (only those are reloaded). */
  readonly reloadable: SecretName[];
  /** Re-reads the files; reloads run one at a time, in order. Never rejects. */
  reload(trigger: ReloadTrigger): Promise<ReloadResult>;
  /** SCAYLE refused our client: one shared re-read for every call that saw it at about the same time. */
  rereadAfterInvalidClient(): Promise<void>;
  onChange(listener: SecretListener): void;
  onReload(listener: (trigger: ReloadTrigger, result: ReloadResult) => void): void;
}

export function createSecretStore(options: SecretStoreOptions): SecretStore {
  const { paths, logger } = options;
  const now = options.now ?? Date.now;
  const cooldownMs = options.invalidClientCooldownMs ?? 1000;
  const reloadable = SECRET_VARIABLES.filter((name) => paths[name] !== undefined);
  const changeListeners: SecretListener[] = [];
  const reloadListeners: Array<(trigger: ReloadTrigger, result: ReloadResult) => void> = [];
  let current = options.initial;
  let queue: Promise<unknown> = Promise.resolve();
  let shared: { promise: Promise<void>; settledAt: number | undefined } | undefined;

  async function readAll(): Promise<{ values: Partial<Record<SecretName, unknown>>; problems: string[] }> {
    const values: Partial<Record<SecretName, unknown>> = {};
    const problems: string[] = [];
    await Promise.all(
      reloadable.map(async (name) => {
        const path = paths[name]!;
        let raw: string;
        try {
          raw = secretFromText(await readFile(path, 'utf8'));
        } catch (err) {
          problems.push(`${fileVariable(name)}: ${fileProblem(path, err)}`);
          return;
        }
        if (raw.trim() === '') return void problems.push(`${fileVariable(name)}: ${path} is empty`);
        const parsed = options.parse(name, raw);
        if (parsed.ok) values[name] = parsed.value;
        else problems.push(`${name} (from ${path}): ${parsed.message}`);
      }),
    );
    return { values, problems };
  }

  async function reloadNow(trigger: ReloadTrigger): Promise<ReloadResult> {
    const { values, problems } = await readAll();
    let result: ReloadResult;
    if (problems.length > 0) {
      problems.sort();
      logger.error({ trigger, problems }, 'secret reload failed: keeping every secret as it was');
      result = { ok: false, problems };
    } else {
      const changed = reloadable.filter((name) => !sameValue(values[name] as SecretValues[SecretName], current[name]));
      if (changed.length > 0) {
        current = { ...current, ...(values as Partial<SecretValues>) };
        for (const listener of changeListeners) safely(() => listener(current, changed, trigger));
        logger.info({ trigger, changed }, 'secrets reloaded');
      }
      result = { ok: true, changed };
    }
    for (const listener of reloadListeners) safely(() => listener(trigger, result));
    return result;
  }

  /** A listener that throws must not keep the others from hearing of the change. */
  function safely(run: () => void): void {
    try {
      run();
    } catch (err) {
      logger.error({ err: { message: (err as Error).message } }, 'a secret listener failed');
    }
  }

  function reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    const next = queue.then(() => reloadNow(trigger));
    queue = next.catch(() => undefined);
    return next;
  }

  return {
    get current() {
      return current;
    },
    reloadable,
    reload,
    rereadAfterInvalidClient() {
      const recent = shared && (shared.settledAt === undefined || now() - shared.settledAt < cooldownMs);
      if (!recent) {
        const entry: { promise: Promise<void>; settledAt: number | undefined } = { promise: Promise.resolve(), settledAt: undefined };
        entry.promise = reload('invalid_client').then(() => {
          entry.settledAt = now();
        });
        shared = entry;
      }
      return shared!.promise;
    },
    onChange(listener) {
      changeListeners.push(listener);
    },
    onReload(listener) {
      reloadListeners.push(listener);
    },
  };
}
