// issue 18 part 4: what the secrets look like from outside: per credential its fingerprint (a short hash,
// never the value) and when it was loaded, and the reloads by trigger and outcome. On the app's registry.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReloadTrigger, SecretStore } from './secret-store.js';
import { fingerprint, type SecretValues } from './secret-values.js';
import { SECRET_VARIABLES, type SecretName } from './secret-variables.js';

const TRIGGERS: readonly ReloadTrigger[] = ['sighup', 'file', 'invalid_client'];

/** `shop`: issue 18 part 3, each SHOPS_FILE shop has its own secrets ("default" without SHOPS_FILE). */
export function observeSecrets(store: SecretStore, registry: Registry, shop: string): void {
  const registers = [registry];
  // With several shops every shop observes its own store on the one registry: the metrics exist once.
  const existing = <T>(name: string): T | undefined => registry.getSingleMetric(name) as T | undefined;
  const info =
    existing<Gauge<'credential' | 'fingerprint' | 'shop'>>('credential_info') ??
    new Gauge({
      name: 'credential_info',
      help:
        'Always 1; the fingerprint label is the first 8 hex digits of HMAC-SHA256 over the credential in use, ' +
        'keyed with the newest session encryption key (never the value)',
      labelNames: ['credential', 'fingerprint', 'shop'] as const,
      registers,
    });
  const loaded =
    existing<Gauge<'credential' | 'shop'>>('credential_loaded_timestamp_seconds') ??
    new Gauge({
      name: 'credential_loaded_timestamp_seconds',
      help: 'When the credential in use was loaded (start-up, or the reload that changed it), Unix seconds',
      labelNames: ['credential', 'shop'] as const,
      registers,
    });
  const reloads =
    existing<Counter<'trigger' | 'outcome' | 'shop'>>('secret_reloads_total') ??
    new Counter({
      name: 'secret_reloads_total',
      help: 'Re-reads of the *_FILE secrets by trigger (sighup, file, invalid_client) and outcome (success, failure: old values kept)',
      labelNames: ['trigger', 'outcome', 'shop'] as const,
      registers,
    });
  for (const trigger of TRIGGERS) for (const outcome of ['success', 'failure']) reloads.labels({ trigger, outcome, shop }).inc(0);

  const shown = new Map<SecretName, string>();
  const show = (values: SecretValues, changed: readonly SecretName[]): void => {
    // Every fingerprint is keyed with the newest session key: a new ring re-keys them all.
    const key = values.SESSION_ENCRYPTION_KEYS[0] ?? '';
    const names = changed.includes('SESSION_ENCRYPTION_KEYS') ? SECRET_VARIABLES : changed;
    for (const name of names) {
      const value = values[name];
      if (value === undefined) continue;
      const print = fingerprint(value, key);
      const before = shown.get(name);
      if (before !== print) {
        if (before !== undefined) info.remove({ credential: name, fingerprint: before, shop });
        info.set({ credential: name, fingerprint: print, shop }, 1);
        shown.set(name, print);
      }
      // Loaded when its value changed, not when only its fingerprint was re-keyed.
      if (changed.includes(name)) loaded.set({ credential: name, shop }, Date.now() / 1000);
    }
  };
  show(store.current, SECRET_VARIABLES);
  store.onChange((values, changed) => show(values, changed));
  store.onReload((trigger, result) => reloads.inc({ trigger, outcome: result.ok ? 'success' : 'failure', shop }));
}
