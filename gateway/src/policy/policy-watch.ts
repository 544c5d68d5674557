import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Runs a function after a delay unless cancelled: the clock a burst of changes waits on (injected by tests). */
export type Schedule = (run: () => void, ms: number) => () => void;

export const realSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

export interface PolicyWatchOptions {
  policiesDir: string;
  supergraphPath: string;
  signaturePath: string;
  /** How long the files must stay still before the reload: an editor's save or a copy is a burst of writes. */
  debounceMs: number;
  /** Called once per burst: the reload (PolicyReloads.request), the same as SIGHUP's. */
  changed: () => void;
  /** A folder that cannot be watched: said once, the rest is watched (SIGHUP still reloads). */
  unwatchable: (path: string, error: Error) => void;
  schedule?: Schedule;
}

/**
 * Watches the policy set's files and asks for one reload per burst of changes. Folders are
 * watched, not files: a file replaced by a rename (editors, `kubectl cp`) keeps no watch of its
 * own, and a Kubernetes ConfigMap changes by swapping its `..data` symlink in the mounted folder,
 * an event of the folder. The policies folder is watched whole (recursively); beside the
 * supergraph and the signature, only their own names and the ConfigMap's `..` entries count.
 */
export function watchPolicySet(options: PolicyWatchOptions): { close(): void } {
  const schedule = options.schedule ?? realSchedule;
  let cancel: (() => void) | null = null;
  const burst = () => {
    cancel?.();
    cancel = schedule(() => {
      cancel = null;
      options.changed();
    }, options.debounceMs);
  };
  const watchers: FSWatcher[] = [];
  const add = (dir: string, recursive: boolean, counts: (name: string) => boolean) => {
    if (!existsSync(dir)) return options.unwatchable(dir, new Error('no such directory'));
    try {
      const watcher = watch(dir, { recursive }, (_event, name) => {
        if (name === null || counts(name.toString())) burst();
      });
      watcher.on('error', (error) => options.unwatchable(dir, error));
      watchers.push(watcher);
    } catch (error) {
      options.unwatchable(dir, error as Error);
    }
  };
  add(options.policiesDir, true, () => true);
  // The supergraph and the signature may share a folder; one watch of it takes both names.
  const beside = new Map<string, Set<string>>();
  for (const path of [options.supergraphPath, options.signaturePath]) {
    const names = beside.get(dirname(path)) ?? new Set<string>();
    beside.set(dirname(path), names.add(basename(path)));
  }
  for (const [dir, names] of beside) add(dir, false, (name) => names.has(name) || name.startsWith('..'));
  return {
    close() {
      cancel?.();
      cancel = null;
      for (const watcher of watchers) watcher.close();
    },
  };
}
