// issue 18 part 4: what the secrets look like from outside: per credential its fingerprint (a short hash,
// never the value) and when it was loaded, and the reloads by trigger and outcome. On the app's registry.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReloadTrigger, SecretStore } from './secret-store.js';
import { fingerprint, type SecretValues } from './secret-values.js';
import { SECRET_VARIABLES, type SecretName } from './secret-variables.js';

const TRIGGERS: readonly ReloadTrigger[] = ['sighup', 'file', 'invalid_client'];

export function observeSecrets(store: SecretStore, registry: Registry): void {
  const registers = [registry];
  const info = new Gauge({
    name: 'credential_info',
    help: 'Always 1; the fingerprint label is the first 8 hex digits of sha256 over the credential in use (never the value)',
    labelNames: ['credential', 'fingerprint'] as const,
    registers,
  });
  const loaded = new Gauge({
    name: 'credential_loaded_timestamp_seconds',
    help: 'When the credential in use was loaded (start-up, or the reload that changed it), Unix seconds',
    labelNames: ['credential'] as const,
    registers,
  });
  const reloads = new Counter({
    name: 'secret_reloads_total',
    help: 'Re-reads of the *_FILE secrets by trigger (sighup, file, invalid_client) and outcome (success, failure: old values kept)',
    labelNames: ['trigger', 'outcome'] as const,
    registers,
  });
  for (const trigger of TRIGGERS) for (const outcome of ['success', 'failure']) reloads.labels(trigger, outcome).inc(0);

  const shown = new Map<SecretName, string>();
  const show = (values: SecretValues, names: readonly SecretName[]): void => {
    for (const name of names) {
      const value = values[name];
      if (value === undefined) continue;
      const print = fingerprint(value);
      const before = shown.get(name);
      if (before !== undefined) info.remove(name, before);
      info.set({ credential: name, fingerprint: print }, 1);
      loaded.set({ credential: name }, Date.now() / 1000);
      shown.set(name, print);
    }
  };
  show(store.current, SECRET_VARIABLES);
  store.onChange((values, changed) => show(values, changed));
  store.onReload((trigger, result) => reloads.inc({ trigger, outcome: result.ok ? 'success' : 'failure' }));
}
