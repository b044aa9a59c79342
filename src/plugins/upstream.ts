// SCAYLE as `app.scayle` (the Authentication API client, one undici Pool) and `app.verifier` (access
// tokens checked against SCAYLE's JWKS, its own Agent). Closes both; a passed-in dispatcher is the caller's.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DEFAULT_SHOP, upstreamCallObserver } from '../metrics/metrics.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { createScayleClient } from '../upstream/scayle-client.js';
import type { ScayleClient } from '../upstream/types.js';
import type { DependencyPluginOptions } from './overrides.js';

declare module 'fastify' {
  interface FastifyInstance {
    scayle: ScayleClient;
    verifier: AccessTokenVerifier;
  }
}

export const upstreamPlugin = fp(
  async (app: FastifyInstance, { config, overrides, shop }: DependencyPluginOptions) => {
    const baseUrl = config.scayle.baseUrl;
    if (baseUrl === undefined) throw new Error('scayle.baseUrl must be set (server.ts starts the emulator in dev mode)');
    const dispatcher = overrides.dispatcher ? { dispatcher: overrides.dispatcher } : {};

    const { secrets } = app;
    const scayle = createScayleClient({
      baseUrl,
      clientId: config.scayle.clientId,
      // issue 18 part 4: read per call; after invalid_client a re-read (when the secret comes from a file).
      clientSecret: () => secrets.current.SCAYLE_CLIENT_SECRET,
      ...(secrets.reloadable.includes('SCAYLE_CLIENT_SECRET') ? { onInvalidClient: () => secrets.rereadAfterInvalidClient() } : {}),
      shopId: config.scayle.shopId,
      clientKey: config.scayle.clientKey,
      connectTimeoutMs: config.scayle.connectTimeoutMs,
      requestTimeoutMs: config.scayle.timeoutMs,
      logger: app.log,
      onCall: upstreamCallObserver(app.metrics, shop ?? DEFAULT_SHOP),
      ...dispatcher,
    });
    const verifier = createAccessTokenVerifier({
      jwksUrl: config.scayle.jwksUrl ?? scayle.jwksUrl,
      timeoutMs: config.scayle.timeoutMs,
      connectTimeoutMs: config.scayle.connectTimeoutMs,
      ...dispatcher,
    });
    app.addHook('onClose', async () => {
      await Promise.all([scayle.close(), verifier.close()]);
    });

    app.decorate('scayle', scayle);
    app.decorate('verifier', verifier);
  },
  { name: 'upstream', dependencies: ['metrics', 'secrets'] },
);
