// issue 18 part 4: a change to a secret file triggers a reload. Watches each file's directory, not the
// file: Kubernetes updates a mounted secret by swapping the directory's `..data` symlink, which a watch on
// the old file would never see. Events are debounced (an editor or the kubelet writes in several steps);
// the watchers are unref'd, so they never keep the process alive, and close() ends them.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface SecretWatchOptions {
  debounceMs?: number;
  onError(err: Error, directory: string): void;
}

export interface SecretWatch {
  close(): void;
}

export function watchSecretFiles(paths: readonly string[], onChange: () => void, options: SecretWatchOptions): SecretWatch {
  const debounceMs = options.debounceMs ?? 250;
  const byDirectory = new Map<string, Set<string>>();
  for (const path of paths) {
    const names = byDirectory.get(dirname(path)) ?? new Set<string>();
    names.add(basename(path));
    byDirectory.set(dirname(path), names);
  }
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };

  const watchers: FSWatcher[] = [];
  for (const [directory, names] of byDirectory) {
    try {
      const watcher = watch(directory, { persistent: false }, (_event, name) => {
        // The file itself, or Kubernetes' `..data` / `..<timestamp>` entries; other files in a shared directory are not ours.
        if (name === null || names.has(name) || name.startsWith('..')) schedule();
      });
      watcher.on('error', (err) => options.onError(err, directory));
      watchers.push(watcher);
    } catch (err) {
      options.onError(err as Error, directory);
    }
  }

  return {
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
