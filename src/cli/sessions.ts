// `npm run sessions -- end-customer <customerId>` and `... list-customer <customerId>`: ops ending or
// listing a customer's sessions on every instance (fraud, support, a stolen device); `... key-usage`: how
// many records each SESSION_ENCRYPTION_KEYS key still seals (issue 18). Same environment
// and the same factories as the service (config → store → session service → session ending); prints
// counts, public handles, times and user agents, never a token, session id or secret. With SHOPS_FILE,
// `--shop <id>` picks the shop: its config, key prefix and records' associated data (issue 18 part 3).
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { loadCliShops, takeShopOption, type CliIo } from './cli-io.js';
import { handleOf } from '../sessions/session-id.js';
import { createRedisClient } from '../redis/connection.js';
import { closeRedis, waitForRedis } from '../redis/lifecycle.js';
import { createRedisStore } from '../sessions/redis-store.js';
import { countKeyUsage } from '../sessions/key-usage.js';
import { createSessionCrypto } from '../sessions/session-crypto.js';
import { shopSessionCrypto } from '../shops/shop-crypto.js';
import { createSessionEnding } from '../sessions/session-ending.js';
import { createSessionService } from '../sessions/session-service.js';
import { createUpstreamRevoker, type RevokeSession } from '../sessions/upstream-revocation.js';
import { createAccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { createScayleClient, type ScayleClient } from '../upstream/scayle-client.js';

const USAGE = 'usage: npm run sessions -- [--shop <id>] end-customer <customerId> | list-customer <customerId> | key-usage';
const CUSTOMER_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Runs one command; resolves to the process exit code. */
export async function runSessionsCli(args: readonly string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const option = takeShopOption(args);
  if ('problem' in option) {
    io.err(`${option.problem}\n${USAGE}`);
    return 2;
  }
  const { argv } = option;
  const [command, customerId = '', ...rest] = argv;
  const perCustomer = command === 'end-customer' || command === 'list-customer';
  if ((!perCustomer && command !== 'key-usage') || (perCustomer ? customerId === '' || rest.length > 0 : argv.length > 1)) {
    io.err(USAGE);
    return 2;
  }
  if (perCustomer && !CUSTOMER_ID.test(customerId)) {
    io.err('customerId must be 1-128 letters, digits or . _ : -');
    return 2;
  }
  const target = loadCliShops(option.shop, env, io, { scope: 'one' });
  if ('exit' in target) return target.exit;
  const { id: shop, config } = target.shops[0]!;
  if (config.redis === undefined) {
    io.err('REDIS_URL is unset: sessions then live inside one service process, which this command cannot reach');
    return 1;
  }
  if (config.session.encryptionKeysGenerated) {
    io.err('SESSION_ENCRYPTION_KEYS is unset: the sessions the service stored cannot be read');
    return 1;
  }

  const redis = createRedisClient(config.redis.target);
  let scayle: ScayleClient | undefined;
  try {
    await waitForRedis(redis, 5_000);
    if (command === 'key-usage') {
      const usage = await countKeyUsage(redis, config.redis.keyPrefix, config.session.encryptionKeys);
      for (const key of usage.keys) {
        io.out(`key ${key.position} (id ${key.id})${key.position === 1 ? ' encrypts' : ''}: ${key.records} record(s)`);
      }
      io.out(`keys no longer configured: ${usage.unknown} record(s)`);
      return 0;
    }
    const sessions = createSessionService({
      store: createRedisStore({ redis, keyPrefix: config.redis.keyPrefix }),
      crypto: shopSessionCrypto(createSessionCrypto(config.session.encryptionKeys), shop),
      idleTtlMs: config.session.idleTtlSeconds * 1000,
      absoluteTtlMs: config.session.absoluteTtlSeconds * 1000,
    });
    let revoke: RevokeSession | undefined;
    if (config.scayle.baseUrl !== undefined) {
      const { clientId, clientSecret, shopId, clientKey, connectTimeoutMs, timeoutMs } = config.scayle;
      const client = createScayleClient({
        baseUrl: config.scayle.baseUrl,
        ...{ clientId, clientSecret, shopId, clientKey, connectTimeoutMs },
        requestTimeoutMs: timeoutMs,
      });
      const verifier = createAccessTokenVerifier({ jwksUrl: config.scayle.jwksUrl ?? client.jwksUrl, timeoutMs: config.scayle.timeoutMs });
      revoke = createUpstreamRevoker({ scayle: client, jtiOf: async (token) => (await verifier.verify(token)).jti, now: sessions.now });
      scayle = client;
    }
    let revokeFailures = 0;
    const ending = createSessionEnding({ sessions, ...(revoke ? { revoke } : {}), onRevokeFailed: () => (revokeFailures += 1) });

    if (command === 'list-customer') {
      const list = await ending.listCustomer(customerId, config.sessionsPerCustomerMax + 1);
      io.out(`${list.length} live session(s) of customer ${customerId}`);
      for (const s of list) {
        const ua = (s.data.userAgent ?? '-').replace(/[^\x20-\x7e]/g, '?');
        io.out(`${handleOf(s.sid)}  created ${iso(s.data.createdAt)}  last seen ${iso(s.data.lastSeenAt)}  ${s.data.clientMode}  ${ua}`);
      }
      return 0;
    }
    const ended = await ending.endCustomer(customerId, { reason: 'ops', ctx: { requestId: `cli-${randomUUID()}` } });
    io.out(`ended ${ended} session(s) of customer ${customerId}`);
    if (revoke === undefined) io.out('SCAYLE_AUTH_BASE_URL is unset: upstream tokens were not revoked');
    else if (revokeFailures > 0) io.out(`upstream revocation failed for ${revokeFailures} session(s); their tokens expire on their own`);
    return 0;
  } finally {
    await scayle?.close();
    await closeRedis(redis);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

// Run as a program (npm run sessions), not when a test imports it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const io: CliIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  runSessionsCli(process.argv.slice(2), process.env, io).then(
    (code) => process.exit(code),
    (error: unknown) => {
      // Store or upstream failures: the class and message only (both are generic in this service).
      io.err(`failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`);
      process.exit(1);
    },
  );
}
