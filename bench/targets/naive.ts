// The naive baseline, written the way a typical team would: Express + express-session in Redis
// (connect-redis) + axios to SCAYLE. Tokens live in the session, the JWT is decoded but not verified,
// no CSRF, no single-flight refresh. Same routes and shapes as the service, so the load is the same.
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { RedisStore } from 'connect-redis';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { announce, exitOnSignal, targetOptions } from './child.js';

export interface NaiveOptions {
  upstreamUrl: string;
  redisUrl: string;
  keyPrefix: string;
  clientId: string;
  clientSecret: string;
  shopId: number;
  sessionSecret: string;
}

interface UpstreamTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

declare module 'express-session' {
  interface SessionData {
    tokens: { accessToken: string; refreshToken: string; expiresAt: number };
    customer: { id: string; guest: boolean };
  }
}

const o = targetOptions<NaiveOptions>();
const redis = createClient({ url: o.redisUrl });
await redis.connect();
const upstream = axios.create({ baseURL: o.upstreamUrl, auth: { username: o.clientId, password: o.clientSecret }, timeout: 5000 });

const app = express();
app.use(express.json());
app.use(
  session({
    store: new RedisStore({ client: redis, prefix: `${o.keyPrefix}sess:` }),
    secret: o.sessionSecret,
    name: 'sid',
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 30 * 60_000 },
  }),
);

function remember(req: Request, data: UpstreamTokens): void {
  const claims = JSON.parse(Buffer.from(data.access_token.split('.')[1]!, 'base64url').toString()) as {
    customerId: number;
    guest?: boolean;
  };
  req.session.tokens = { accessToken: data.access_token, refreshToken: data.refresh_token, expiresAt: Date.now() + data.expires_in * 1000 };
  req.session.customer = { id: String(claims.customerId), guest: claims.guest === true };
}

function tokenReply(req: Request) {
  const { tokens, customer } = req.session;
  return {
    access_token: tokens!.accessToken,
    token_type: 'Bearer',
    expires_in: Math.floor((tokens!.expiresAt - Date.now()) / 1000),
    expires_at: new Date(tokens!.expiresAt).toISOString(),
    customer,
  };
}

app.post('/auth/login', async (req, res) => {
  const { data } = await upstream.post<UpstreamTokens>('/v1/auth/login', {
    email: req.body.email,
    password: req.body.password,
    shop_id: o.shopId,
  });
  remember(req, data);
  res.json(tokenReply(req));
});

app.post('/auth/login/guest', async (req, res) => {
  const { data } = await upstream.post<UpstreamTokens>('/v1/auth/login/guest', { ...req.body, shop_id: o.shopId });
  remember(req, data);
  res.json(tokenReply(req));
});

app.get('/auth/session', (req, res) => {
  if (!req.session.customer) return void res.status(401).json({ error: 'not logged in' });
  res.json({ authenticated: true, customer: req.session.customer, expires_at: req.session.cookie.expires });
});

app.post('/auth/token', async (req, res) => {
  const tokens = req.session.tokens;
  if (!tokens) return void res.status(401).json({ error: 'not logged in' });
  if (tokens.expiresAt - Date.now() < 30_000) {
    const { data } = await upstream.post<UpstreamTokens>('/v1/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
    remember(req, data);
  }
  res.json(tokenReply(req));
});

app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  const status = axios.isAxiosError(error) && error.response ? error.response.status : 500;
  res.status(status === 401 ? 401 : 502).json({ error: 'upstream error' });
});

const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', resolve));
const { port } = server.address() as AddressInfo;
exitOnSignal(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await redis.quit();
});
announce(`http://127.0.0.1:${port}`);
