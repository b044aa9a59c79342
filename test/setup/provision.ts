// The system programs the tests need besides Node: redis-server (the run's Redis and the outage tests),
// Chromium at /usr/bin/chromium (the demo page's browser test; playwright-core bundles no browser) and
// promtool (the alert rules' check). When one is missing and we can install it (root on Debian/Ubuntu) we
// do, with apt-get; otherwise the run stops with one line naming the packages. No test is ever skipped for a missing program.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Requirement {
  /** What the tests run: a program on PATH or an absolute path. */
  program: string;
  /** The Debian/Ubuntu package that provides it. */
  aptPackage: string;
}

export const REQUIREMENTS: readonly Requirement[] = [
  { program: 'redis-server', aptPackage: 'redis-server' },
  { program: '/usr/bin/chromium', aptPackage: 'chromium' },
  // `promtool check rules` on deploy/prometheus/alerts.yml (test/e2e/observability-files.test.ts).
  { program: 'promtool', aptPackage: 'prometheus' },
];

/** A missing program we may not or cannot install; its message is the one line the run ends with. */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `program` (absolute, or looked up on PATH) can be run. */
export function isInstalled(program: string, path = process.env.PATH ?? ''): boolean {
  if (program.includes('/')) return isExecutable(program);
  return path.split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, program)));
}

/** Root on a system with apt-get and dpkg: the only case in which we install anything ourselves. */
export function canUseApt(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && isInstalled('apt-get');
}

function installHint(packages: readonly string[]): string {
  const command = `sudo apt-get install -y ${packages.join(' ')}`;
  return `npm test needs ${packages.join(' and ')}: install with \`${command}\` (Debian/Ubuntu), then run it again`;
}

// Quiet and unattended; waits for another apt (a second test run, unattended-upgrades) to release its lock.
async function aptGet(args: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['-qq', '-o', 'DPkg::Lock::Timeout=600', ...args], { env, maxBuffer: 64 * 1024 * 1024 });
}

/** `apt-get update`, then `apt-get install -y <packages>`; a failure names apt-get's last line of stderr. */
export async function aptInstall(packages: readonly string[]): Promise<void> {
  try {
    await aptGet(['update']);
    await aptGet(['install', '-y', ...packages]);
  } catch (error) {
    const { stderr } = error as { stderr?: string | Buffer };
    const last = String(stderr ?? '')
      .trim()
      .split('\n')
      .at(-1);
    throw new Error(`apt-get failed: ${last || (error as Error).message}`, { cause: error });
  }
}

export interface ProvisionOptions {
  /** Whether installing is allowed and possible; default: root on Debian/Ubuntu with apt-get. */
  canInstall?: boolean;
  install?: (packages: readonly string[]) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Makes sure every requirement is installed: installs the missing ones (apt-get, when root on
 * Debian/Ubuntu), otherwise throws a ProvisionError whose one-line message says exactly what to install.
 */
export async function provision(requirements: readonly Requirement[] = REQUIREMENTS, options: ProvisionOptions = {}): Promise<void> {
  const { canInstall = canUseApt(), install = aptInstall, log = (line: string) => process.stderr.write(`${line}\n`) } = options;
  const missing = requirements.filter((r) => !isInstalled(r.program));
  if (missing.length === 0) return;
  const packages = missing.map((r) => r.aptPackage);
  if (!canInstall) throw new ProvisionError(installHint(packages));

  log(`test setup: installing ${packages.join(', ')} with apt-get (first run only, may take a few minutes)`);
  try {
    await install(packages);
  } catch (error) {
    throw new ProvisionError(`${installHint(packages)} (${(error as Error).message.split('\n')[0]})`);
  }
  const still = missing.filter((r) => !isInstalled(r.program));
  if (still.length > 0) {
    const names = still.map((r) => r.program).join(', ');
    throw new ProvisionError(`${installHint(still.map((r) => r.aptPackage))} (installed, but ${names} is still missing)`);
  }
}
