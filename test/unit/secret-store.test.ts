// issue 18 part 4: reloading the secret files: changed values replace the snapshot (what a consumer already
// read stays as it was), an invalid or unreadable file keeps every old value and logs one error naming the
// variable (never a value), reloads are counted and fingerprinted, re-reads after invalid_client share one
// read, and a change to a watched file (also a Kubernetes-style ..data symlink swap) triggers a reload.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseField } from '../../src/config-schema.js';
import { loadConfig } from '../../src/config.js';
import { observeSecrets } from '../../src/secrets/secret-metrics.js';
import { createSecretStore, type SecretStoreOptions } from '../../src/secrets/secret-store.js';
import { fingerprint, secretValuesOf } from '../../src/secrets/secret-values.js';
import { watchSecretFiles } from '../../src/secrets/secret-watch.js';
import { eventually } from '../helpers/eventually.js';

const root = mkdtempSync(join(tmpdir(), 'bff-secret-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const KEY_A = 'a'.repeat(40);
const KEY_B = 'b'.repeat(40);

/** A directory with a client secret and a key ring file, and a store over them. */
function setup(overrides: Partial<SecretStoreOptions> = {}) {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir);
  const paths = { SCAYLE_CLIENT_SECRET: join(dir, 'client'), SESSION_ENCRYPTION_KEYS: join(dir, 'keys') };
  writeFileSync(paths.SCAYLE_CLIENT_SECRET, 'old-client\n');
  writeFileSync(paths.SESSION_ENCRYPTION_KEYS, `${KEY_A}\n`);
  const config = loadConfig({
    DEV_MODE: 'true',
    SCAYLE_CLIENT_SECRET_FILE: paths.SCAYLE_CLIENT_SECRET,
    SESSION_ENCRYPTION_KEYS_FILE: paths.SESSION_ENCRYPTION_KEYS,
  });
  const logger = { info: vi.fn(), error: vi.fn() };
  const store = createSecretStore({
    initial: secretValuesOf(config),
    paths: config.secretFiles.paths,
    parse: parseField,
    logger,
    ...overrides,
  });
  return { dir, paths, store, logger };
}

describe('the secret store', () => {
  it('starts with the configured values and reloads only the variables that have a file', async () => {
    const { paths, store } = setup();
    expect(store.reloadable).toEqual(['SCAYLE_CLIENT_SECRET', 'SESSION_ENCRYPTION_KEYS']);
    const before = store.current;
    expect(await store.reload('sighup')).toEqual({ ok: true, changed: [] });
    expect(store.current).toBe(before); // nothing changed: the very same snapshot

    writeFileSync(paths.SCAYLE_CLIENT_SECRET, 'new-client\n');
    writeFileSync(paths.SESSION_ENCRYPTION_KEYS, `${KEY_B},${KEY_A}\n`);
    const changed = vi.fn();
    store.onChange(changed);
    expect(await store.reload('sighup')).toEqual({ ok: true, changed: ['SCAYLE_CLIENT_SECRET', 'SESSION_ENCRYPTION_KEYS'] });
    expect(store.current.SCAYLE_CLIENT_SECRET).toBe('new-client');
    expect(store.current.SESSION_ENCRYPTION_KEYS).toEqual([KEY_B, KEY_A]);
    expect(store.current.SCAYLE_SHOP_SECRET).toBe(before.SCAYLE_SHOP_SECRET); // no file: kept
    // What a request read before the reload is untouched (snapshots are replaced, never mutated).
    expect(before.SCAYLE_CLIENT_SECRET).toBe('old-client');
    expect(changed).toHaveBeenCalledOnce();
  });

  it('keeps every old value when one file is invalid or unreadable, logging one error that names the variable only', async () => {
    const { paths, store, logger } = setup();
    const short = 'short-key-not-logged';
    writeFileSync(paths.SCAYLE_CLIENT_SECRET, 'valid-new-client-secret\n');
    writeFileSync(paths.SESSION_ENCRYPTION_KEYS, `${short}\n`);
    const result = await store.reload('file');
    expect(result).toEqual({
      ok: false,
      problems: [`SESSION_ENCRYPTION_KEYS (from ${paths.SESSION_ENCRYPTION_KEYS}): every key must be at least 32 characters`],
    });
    expect(store.current.SCAYLE_CLIENT_SECRET).toBe('old-client'); // all or nothing
    expect(store.current.SESSION_ENCRYPTION_KEYS).toEqual([KEY_A]);
    expect(logger.error).toHaveBeenCalledOnce();
    const logged = JSON.stringify(logger.error.mock.calls);
    expect(logged).toContain('SESSION_ENCRYPTION_KEYS');
    expect(logged).not.toContain(short);
    expect(logged).not.toContain('valid-new-client-secret');

    rmSync(paths.SCAYLE_CLIENT_SECRET);
    writeFileSync(paths.SESSION_ENCRYPTION_KEYS, `${KEY_B}\n`);
    expect(await store.reload('sighup')).toEqual({
      ok: false,
      problems: [`SCAYLE_CLIENT_SECRET_FILE: cannot read ${paths.SCAYLE_CLIENT_SECRET} (ENOENT)`],
    });
    expect(store.current.SESSION_ENCRYPTION_KEYS).toEqual([KEY_A]);

    writeFileSync(paths.SCAYLE_CLIENT_SECRET, '\n');
    expect((await store.reload('sighup')).ok).toBe(false);
    writeFileSync(paths.SCAYLE_CLIENT_SECRET, 'fixed\n');
    expect(await store.reload('sighup')).toEqual({ ok: true, changed: ['SCAYLE_CLIENT_SECRET', 'SESSION_ENCRYPTION_KEYS'] });
  });

  it('exports fingerprints, load times and reload counts, never a value', async () => {
    const { paths, store } = setup();
    const registry = new Registry();
    observeSecrets(store, registry, 'default');
    const text = async () => registry.metrics();
    expect(await text()).toContain(
      `credential_info{credential="SCAYLE_CLIENT_SECRET",fingerprint="${fingerprint('old-client', KEY_A)}",shop="default"} 1`,
    );
    expect(await text()).toContain(
      `credential_info{credential="SESSION_ENCRYPTION_KEYS",fingerprint="${fingerprint([KEY_A], KEY_A)}",shop="default"} 1`,
    );
    expect(await text()).toMatch(/credential_loaded_timestamp_seconds\{credential="SCAYLE_SHOP_SECRET",shop="default"\} \d+/);

    writeFileSync(paths.SCAYLE_CLIENT_SECRET, 'new-client');
    await store.reload('sighup');
    writeFileSync(paths.SESSION_ENCRYPTION_KEYS, 'short');
    await store.reload('file');
    const after = await text();
    expect(after).toContain(
      `credential_info{credential="SCAYLE_CLIENT_SECRET",fingerprint="${fingerprint('new-client', KEY_A)}",shop="default"} 1`,
    );
    expect(after).not.toContain(fingerprint('old-client', KEY_A)); // the old label set is gone, not left at 1
    expect(after).toContain('secret_reloads_total{trigger="sighup",outcome="success",shop="default"} 1');
    expect(after).toContain('secret_reloads_total{trigger="file",outcome="failure",shop="default"} 1');
    expect(after).toContain('secret_reloads_total{trigger="invalid_client",outcome="success",shop="default"} 0');
    for (const value of ['old-client', 'new-client', KEY_A, 'short']) expect(after).not.toContain(`"${value}"`);
    expect(fingerprint('new-client', KEY_A)).toMatch(/^[0-9a-f]{8}$/);
    // Keyed: the plain hash a /metrics reader could test guesses against is not what is shown.
    expect(after).not.toContain(createHash('sha256').update('new-client').digest('hex').slice(0, 8));
    expect(fingerprint('new-client', KEY_A)).not.toBe(fingerprint('new-client', `${KEY_A}x`));
  });

  it('shares one re-read among the invalid_client failures of a moment', async () => {
    let clock = 0;
    const { store } = setup({ now: () => clock, invalidClientCooldownMs: 1000 });
    const reloads = vi.fn();
    store.onReload(reloads);
    await Promise.all([store.rereadAfterInvalidClient(), store.rereadAfterInvalidClient(), store.rereadAfterInvalidClient()]);
    expect(reloads).toHaveBeenCalledTimes(1);
    clock = 500;
    await store.rereadAfterInvalidClient(); // just after: the last re-read still counts
    expect(reloads).toHaveBeenCalledTimes(1);
    clock = 1500;
    await store.rereadAfterInvalidClient();
    expect(reloads).toHaveBeenCalledTimes(2);
    expect(reloads.mock.calls.map((c) => c[0])).toEqual(['invalid_client', 'invalid_client']);
  });
});

describe('watching the secret files', () => {
  it('reloads when a file is rewritten in place', async () => {
    const { paths, store } = setup();
    const watcher = watchSecretFiles(Object.values(paths), () => void store.reload('file'), { debounceMs: 20, onError: () => undefined });
    try {
      writeFileSync(paths.SCAYLE_CLIENT_SECRET, 'rewritten\n');
      await eventually(() => store.current.SCAYLE_CLIENT_SECRET === 'rewritten', 'the rewritten secret');
    } finally {
      watcher.close();
    }
  });

  it("reloads when Kubernetes swaps the mount's ..data symlink", async () => {
    // The kubelet's layout: <dir>/client -> ..data/client, ..data -> ..<timestamp>; an update writes a new
    // timestamped directory and renames a fresh ..data_tmp symlink over ..data.
    const dir = join(root, `k8s-${++n}`);
    mkdirSync(join(dir, '..v1'), { recursive: true });
    writeFileSync(join(dir, '..v1', 'client'), 'v1-client\n');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/client', join(dir, 'client'));
    const config = loadConfig({ DEV_MODE: 'true', SCAYLE_CLIENT_SECRET_FILE: join(dir, 'client') });
    const logger = { info: vi.fn(), error: vi.fn() };
    const store = createSecretStore({ initial: secretValuesOf(config), paths: config.secretFiles.paths, parse: parseField, logger });
    expect(store.current.SCAYLE_CLIENT_SECRET).toBe('v1-client');
    const watcher = watchSecretFiles([join(dir, 'client')], () => void store.reload('file'), { debounceMs: 20, onError: () => undefined });
    try {
      mkdirSync(join(dir, '..v2'));
      writeFileSync(join(dir, '..v2', 'client'), 'v2-client\n');
      symlinkSync('..v2', join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      await eventually(() => store.current.SCAYLE_CLIENT_SECRET === 'v2-client', 'the swapped secret');
    } finally {
      watcher.close();
    }
  });
});
