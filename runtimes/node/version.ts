// The package version, for --version, /info and the tracing resource. Its own small file so that
// main.ts can answer --version without loading deps.ts (onnxruntime-node, the pipeline).
import { createRequire } from 'node:module';

export const VERSION: string = (() => {
  // The bundle (runtimes/node/build.mjs) bakes the version in; tsx reads package.json.
  if (process.env.SEMROUTE_VERSION) return process.env.SEMROUTE_VERSION;
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
