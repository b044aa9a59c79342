// The ceiling: a bare Fastify hello route with Fastify's defaults (no logger, no plugins, no Redis). The
// floor of a session route (one Redis round trip) is floor.ts, in a process of its own.
import Fastify from 'fastify';
import { announce, exitOnSignal } from './child.js';

const app = Fastify();
app.get('/hello', async () => ({ hello: 'world' }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
exitOnSignal(async () => {
  await app.close();
});
announce(url);
