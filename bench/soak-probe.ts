// Preloaded into the soaked gateway (node --import, bench/soak.ts): answers {cmd:'usage', gc} over IPC
// as the bench servers do (child-ipc.ts), so the soak reads the V8 heap after a full collection (what
// the process keeps), and {cmd:'snapshot'} writes a heap snapshot to look into something that grew.
import v8 from 'node:v8';
import { reportUsage } from './child-ipc.ts';

reportUsage();
process.on('message', (m: { cmd?: string; file?: string }) => {
  if (m?.cmd === 'snapshot') process.send?.({ snapshot: v8.writeHeapSnapshot(m.file) });
});
// The IPC channel must not keep a gateway alive that would otherwise exit (its own SIGTERM path).
process.channel?.unref();
