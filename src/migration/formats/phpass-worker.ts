// Worker thread of the phpass pool: answers { id, password, setting } with { id, hash }.
import { parentPort } from 'node:worker_threads';
import { phpassCrypt } from './phpass-crypt.js';

parentPort?.on('message', (message: { id: number; password: string; setting: string }) => {
  parentPort?.postMessage({ id: message.id, hash: phpassCrypt(message.password, message.setting) });
});
