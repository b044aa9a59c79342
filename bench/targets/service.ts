// The system under test: the real service, configured from the environment exactly as server.ts does
// (loadConfig → buildApp → listen), with its upstream (an emulator in another process) and Redis given
// by the parent. It logs to its default destination, stdout, which the parent points at /dev/null.
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { announce, exitOnSignal } from './child.js';

const config = loadConfig(process.env);
const app = await buildApp(config);
const url = await app.listen({ port: 0, host: '127.0.0.1' });
exitOnSignal(() => app.close());
announce(url);
