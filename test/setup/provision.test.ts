// Provisioning decides between installing a missing program and stopping with one line that says what to
// install; these cases use throw-away programs and a fake installer, so nothing is installed for real.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isInstalled, provision, ProvisionError, type Requirement } from './provision.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bff-provision-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const program = (name: string): string => join(dir, name);
async function makeProgram(path: string): Promise<void> {
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, 0o755);
}
const quiet = { log: () => undefined };

describe('provision', () => {
  it('finds programs on PATH or by absolute path, executable ones only', async () => {
    await makeProgram(program('tool'));
    await writeFile(program('data'), 'not a program');
    expect(isInstalled('tool', `/nonexistent:${dir}`)).toBe(true);
    expect(isInstalled('data', dir)).toBe(false);
    expect(isInstalled('absent', dir)).toBe(false);
    expect(isInstalled(program('tool'))).toBe(true);
    expect(isInstalled(program('absent'))).toBe(false);
  });

  it('does nothing when every program is there', async () => {
    await makeProgram(program('present'));
    const installs: string[][] = [];
    await provision([{ program: program('present'), aptPackage: 'present' }], {
      ...quiet,
      canInstall: true,
      install: async (p) => void installs.push([...p]),
    });
    expect(installs).toEqual([]);
  });

  it('stops with one line naming every missing package when it may not install', async () => {
    await makeProgram(program('present'));
    const requirements: Requirement[] = [
      { program: program('server'), aptPackage: 'redis-server' },
      { program: program('present'), aptPackage: 'present' },
      { program: program('browser'), aptPackage: 'chromium' },
    ];
    const error = await provision(requirements, { ...quiet, canInstall: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain('apt-get install -y redis-server chromium');
    expect(message).not.toContain('present');
  });

  it('installs the missing packages, once, and only those', async () => {
    await makeProgram(program('present'));
    const installs: string[][] = [];
    const lines: string[] = [];
    await provision(
      [
        { program: program('server'), aptPackage: 'redis-server' },
        { program: program('present'), aptPackage: 'present' },
      ],
      {
        canInstall: true,
        log: (line) => lines.push(line),
        install: async (packages) => {
          installs.push([...packages]);
          await makeProgram(program('server'));
        },
      },
    );
    expect(installs).toEqual([['redis-server']]);
    expect(lines).toHaveLength(1);
  });

  it('stops with one line when installing fails or leaves the program missing', async () => {
    const requirements = [{ program: program('browser'), aptPackage: 'chromium' }];
    const failed = await provision(requirements, {
      ...quiet,
      canInstall: true,
      install: () => Promise.reject(new Error('apt-get failed: E: Unable to locate package chromium\nmore')),
    }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ProvisionError);
    expect((failed as Error).message).toMatch(/apt-get install -y chromium.*Unable to locate package chromium\)$/);

    const absent = await provision(requirements, { ...quiet, canInstall: true, install: async () => undefined }).catch((e: unknown) => e);
    expect(absent).toBeInstanceOf(ProvisionError);
    expect((absent as Error).message).toContain(`${program('browser')} is still missing`);
    expect((absent as Error).message).not.toContain('\n');
  });
});
