// One full garbage collection, run once the model packs have loaded. Loading reads every model into
// JavaScript memory, then the fused packs' models again and their merged model (~60 MB of ArrayBuffers
// for the default packs, all garbage once the sessions exist). They sit in old space, which under
// load is collected seconds later or not at all before the process is idle, so the gateway served its
// first requests with ~25 MB of dead model bytes resident. Collecting them here frees them at once;
// with a fixed MALLOC_MMAP_THRESHOLD_ (set by the launchers, see the Dockerfile) glibc also hands
// the pages back to the kernel instead of keeping them on its heap. The collection is one pause of
// ~35 ms with the default packs (also after a config reload's pack load, which takes longer itself).
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) {
      // No --expose-gc on the command line: expose gc() to a fresh context only, not to our global.
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  gc();
}
