// The config file's watch for config-reload.ts. It watches the file's folder, not the file: a
// Kubernetes ConfigMap volume is updated by swapping the `..data` symlink (the file is a link through
// it), which a watch on the file itself never sees; editors that save through a rename are seen too.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../src/observability/types.ts';

export const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** How often a folder that is gone is looked for again. */
const FOLDER_POLL_MS = 500;

/**
 * Watches the file's folder; `changed` gets the file's text after a quiet `debounceMs`. A read that
 * fails (mid-swap, or the file is gone) or finds the file empty (an editor that truncates, then
 * writes) is skipped: the next event, or SIGHUP, tries again.
 */
export function watchFolder(file: string, debounceMs: number, logger: Logger, changed: (text: string) => void): { close(): void } {
  const folder = dirname(file);
  const name = basename(file);
  /** Events that can change what the file reads: the file itself (written, or renamed into place), and
   *  Kubernetes' `..data` / `..<timestamp>` entries. Other files in the folder (a log written beside
   *  the config) are not: reacting to them made a warning logged there trigger the next read, forever. */
  const relevant = (_event: string, changedName: string | Buffer | null) =>
    changedName === null || changedName === undefined || String(changedName) === name || String(changedName).startsWith('..');
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  // The folder the watch is on (device and inode): inotify follows that inode, so once the folder is
  // moved away or removed (a new one made in its place) the watch sees nothing more, and Node reports
  // no error for it on Linux, only a 'rename' event.
  let watching: string | undefined;
  let closed = false;
  let lastWarn: string | undefined;
  const identity = () => {
    try {
      const s = statSync(folder);
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  };
  const check = () => {
    if (closed) return;
    if (identity() !== watching && !rearm()) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      logger.warn({ file, err: (err as NodeJS.ErrnoException).code ?? 'error' }, 'config watch: file not readable, waiting for the next change');
      return;
    }
    if (!text.trim()) {
      logger.warn({ file }, 'config watch: file is empty (being written?), waiting for the next change');
      return;
    }
    changed(text);
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
  };
  /** Watches the folder there now; false when there is none (then it is looked for every FOLDER_POLL_MS). */
  const rearm = (): boolean => {
    watcher?.close();
    watcher = undefined;
    watching = identity();
    try {
      if (watching === undefined) throw Object.assign(new Error('no folder'), { code: 'ENOENT' });
      watcher = watch(folder, { persistent: false }, (event, changedName) => {
        // The folder itself moved or removed: its own event names no file of ours, so check that too.
        if (relevant(event, changedName) || identity() !== watching) schedule();
      });
      lastWarn = undefined;
      watcher.on('error', (err) => {
        logger.warn({ folder, err: (err as NodeJS.ErrnoException).code ?? err.message }, 'config watch failed, re-arming');
        watching = undefined;
        schedule();
      });
      return true;
    } catch (err) {
      watching = undefined;
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      // Once per cause, not every poll (a watch refused for want of inotify instances stays refused).
      if (code !== lastWarn) logger.warn({ folder, err: code }, 'config watch: cannot watch the folder, trying again (SIGHUP also reloads)');
      lastWarn = code;
      if (!poll) {
        poll = setInterval(() => {
          if (closed || identity() === undefined) return;
          clearInterval(poll);
          poll = undefined;
          check();
        }, FOLDER_POLL_MS);
        poll.unref();
      }
      return false;
    }
  };
  rearm();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
