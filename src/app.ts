// buildApp: the whole service as a ready Fastify instance, from a parsed Config and optional overrides.
// No process.env, no listen, no signal handlers here: server.ts does those, tests call this directly.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import { answerClientError } from './http/client-errors.js';
import { requestIdFrom } from './http/request-id.js';
import { responseSerializerCompiler } from './http/response-serializer.js';
import { createLogger } from './logger.js';
import { accessLogPlugin } from './plugins/access-log.js';
import { errorHandlerPlugin, frameworkErrorHandler } from './plugins/error-handler.js';
import { metricsPlugin } from './plugins/metrics.js';
import type { DependencyOverrides } from './plugins/overrides.js';
import { requestBodiesPlugin } from './plugins/request-bodies.js';
import { registerShop } from './shop-app.js';
import type { Shop } from './shops/load-shops.js';
import { registerShops } from './shops/shops-app.js';
import type { TracingOverrides } from './telemetry/index.js';

export interface BuildOverrides extends DependencyOverrides {
  /** Where logs go (tests capture them); default stdout. */
  logDestination?: DestinationStream;
  /** issue 19: traces on (server.ts passes startTelemetry's overrides); unset, nothing of OpenTelemetry runs. */
  tracing?: TracingOverrides;
  /** issue 18 part 3: the shops of SHOPS_FILE (shops/load-shops.ts); unset, `config` is the one shop. */
  shops?: readonly Shop[];
}

/** bff-api.md: request bodies are limited to 16 KiB. */
const BODY_LIMIT = 16 * 1024;

export async function buildApp(config: Config, overrides: BuildOverrides = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: createLogger(config.logLevel, overrides.logDestination, overrides.tracing?.logMixin),
    genReqId: requestIdFrom,
    // accessLogPlugin writes one line per request instead of Fastify's "incoming" + "completed" pair.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    // Longer than a load balancer's idle timeout (60 s on most), so the balancer, not us, closes idle
    // connections; otherwise it may reuse one we are closing and answer 502. close() ends idle ones.
    keepAliveTimeout: 65_000,
    // Session handles of any shape reach their route (and its 404); longer ones are a 414.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    return503OnClosing: true,
    // Failures before any route runs answer problem+json too: an undecodable URL, a malformed request.
    frameworkErrors: frameworkErrorHandler(config.session),
    clientErrorHandler: answerClientError,
  });
  closeConnectionsWhenClosing(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);

  // First, so @fastify/otel sees every hook and route registered after it (issue 19).
  if (overrides.tracing) await app.register(overrides.tracing.plugin);
  // Infrastructure, then security, then routes: each step may rely on the ones before it.
  await app.register(errorHandlerPlugin, { cookie: config.session });
  await app.register(requestBodiesPlugin);
  await app.register(accessLogPlugin);
  if (overrides.shops) {
    await app.register(metricsPlugin, { shopless: 'none' });
    await registerShops(app, config, overrides.shops, overrides);
  } else {
    await app.register(metricsPlugin);
    await registerShop(app, { config, overrides });
  }

  await app.ready();
  return app;
}

/**
 * Once close() has begun, answers carry `connection: close`: a request in flight at SIGTERM finishes, and
 * its keep-alive connection (65 s idle, see above) then ends instead of holding the shutdown open.
 */
function closeConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}
