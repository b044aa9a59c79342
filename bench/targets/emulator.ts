// The upstream: the SCAYLE emulator in its own process, so its CPU never counts as the service's.
import { startEmulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { announce, exitOnSignal, targetOptions } from './child.js';

const emulator = await startEmulator({ ...targetOptions<EmulatorOptions>(), host: '127.0.0.1', port: 0 });
exitOnSignal(() => emulator.close());
announce(emulator.url);
