// issue 17 part 4: registration enrichment as `app.enrichment`, registered only with REGISTER_PROFILE_FIELDS.
// The register route hands it the validated profile values; it queues them (sealed) and, unless
// ENRICHMENT_WORKER=false, runs the worker in this process. onClose waits for the job in hand.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { EnrichmentConfig } from '../enrichment/config.js';
import { sealJob } from '../enrichment/job-payload.js';
import type { ProfileValues } from '../enrichment/profile-fields.js';
import { createEnrichmentRuntime } from '../enrichment/runtime.js';
import { liveSessionCrypto } from '../secrets/live.js';
import type { DependencyPluginOptions } from './overrides.js';

export interface Enrichment {
  settings: EnrichmentConfig;
  /** Queues a profile update; never rejects (a failure is logged: the registration must not fail for it). */
  enqueue(customerId: string, values: ProfileValues, requestId: string): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    enrichment: Enrichment | undefined;
  }
}

export const enrichmentPlugin = fp(
  async (app: FastifyInstance, { config, overrides }: DependencyPluginOptions) => {
    const settings = config.enrichment;
    if (!settings) {
      app.decorate<Enrichment | undefined>('enrichment', undefined);
      return;
    }
    const runtime = createEnrichmentRuntime({
      config,
      enrichment: settings,
      redis: app.redis,
      logger: app.log,
      metrics: app.metrics,
      worker: settings.runWorker,
      secrets: app.secrets,
      ...(overrides.dispatcher ? { dispatcher: overrides.dispatcher } : {}),
    });
    if (!app.redis) app.log.warn('REDIS_URL is unset: profile updates wait in this process only and are lost when it stops');
    // Registered after the store plugin, so this runs before it closes the Redis connection.
    app.addHook('onClose', () => runtime.close());
    const crypto = liveSessionCrypto(() => app.secrets.current.SESSION_ENCRYPTION_KEYS); // issue 18 part 4
    app.decorate<Enrichment | undefined>('enrichment', {
      settings,
      async enqueue(customerId, values, requestId) {
        try {
          await runtime.queue.enqueue(sealJob(crypto, customerId, values, requestId));
        } catch (err) {
          app.log.error({ err: { message: (err as Error).message }, customerId, requestId }, 'profile update could not be queued');
        }
      },
    });
  },
  { name: 'enrichment', dependencies: ['metrics', 'store', 'secrets'] },
);
