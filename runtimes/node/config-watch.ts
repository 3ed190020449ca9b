// The config file's watch for config-reload.ts. It watches the file's folder, not the file: a
// Kubernetes ConfigMap volume is updated by swapping the `..data` symlink (the file is a link through
// it), which a watch on the file itself never sees; editors that save through a rename are seen too.
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../src/observability/types.ts';

export const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Watches the file's folder; `changed` gets the file's text after a quiet `debounceMs`. A read that
 * fails (mid-swap, or the file is gone) is skipped: the next event, or SIGHUP, tries again.
 */
export function watchFolder(file: string, debounceMs: number, logger: Logger, changed: (text: string) => void): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let closed = false;
  const check = () => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      logger.warn({ file, err: (err as NodeJS.ErrnoException).code ?? 'error' }, 'config watch: file not readable, waiting for the next change');
      return;
    }
    changed(text);
  };
  const arm = () => {
    if (closed) return;
    try {
      watcher = watch(dirname(file), { persistent: false }, () => {
        clearTimeout(timer);
        timer = setTimeout(check, debounceMs);
      });
      watcher.on('error', (err) => {
        // The folder was removed or replaced: watch again shortly, and read what is there then.
        logger.warn({ folder: dirname(file), err: (err as NodeJS.ErrnoException).code ?? err.message }, 'config watch failed, re-arming');
        watcher?.close();
        setTimeout(() => {
          arm();
          check();
        }, 1_000).unref();
      });
    } catch (err) {
      logger.warn({ folder: dirname(file), err: (err as NodeJS.ErrnoException).code ?? 'error' }, 'config watch unavailable: reload with SIGHUP');
    }
  };
  arm();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

