// issue 18 part 4: the reloadable secrets as `app.secrets` (read `app.secrets.current.X` per use). Watches
// the `_FILE` twins unless SECRET_FILES_WATCH=false; server.ts calls `app.secrets.reload('sighup')` on
// SIGHUP (buildApp installs no signal handler). A reloaded Redis password goes to the open client for its
// next reconnect. Exports the credential metrics; closes the watchers.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { parseField } from '../config-schema.js';
import { applyRedisPasswords, REDIS_SECRET_NAMES } from '../redis/reauth.js';
import { observeSecrets } from '../secrets/secret-metrics.js';
import { createSecretStore, type SecretStore } from '../secrets/secret-store.js';
import { secretValuesOf } from '../secrets/secret-values.js';
import { watchSecretFiles } from '../secrets/secret-watch.js';
import type { DependencyPluginOptions } from './overrides.js';

declare module 'fastify' {
  interface FastifyInstance {
    secrets: SecretStore;
    /** On the root: every shop's secrets (one without SHOPS_FILE), for server.ts's SIGHUP. */
    secretStores: readonly SecretStore[];
  }
}

export const secretsPlugin = fp(
  async (app: FastifyInstance, { config }: Pick<DependencyPluginOptions, 'config'>) => {
    const secrets = createSecretStore({
      initial: secretValuesOf(config),
      paths: config.secretFiles.paths,
      parse: parseField,
      logger: app.log,
    });
    observeSecrets(secrets, app.metrics.registry, app.shopId);
    const { redis } = app;
    secrets.onChange((values, changed) => {
      if (redis && changed.some((name) => REDIS_SECRET_NAMES.has(name))) applyRedisPasswords(redis, values);
    });

    const paths = Object.values(config.secretFiles.paths);
    if (config.secretFiles.watch && paths.length > 0) {
      const watcher = watchSecretFiles(paths, () => void secrets.reload('file'), {
        onError: (err, directory) => app.log.warn({ directory, err: { message: err.message } }, 'cannot watch a secret directory'),
      });
      app.addHook('onClose', async () => watcher.close());
    }
    app.decorate('secrets', secrets);
  },
  { name: 'secrets', dependencies: ['metrics', 'store'] },
);
