// setupFiles, run in workerd before each test file. The files share one workerd and one module
// registry (vitest.workers.config.mts: isolate: false); resetting the registry here gives each file
// fresh module instances: the Worker's app per config (with its semantic cache, metrics, endpoint
// state) and any other module-level state start empty, as when each file had a Miniflare of its own.
// What stays shared is the costly part that holds no test state: the workerd process, Vite's
// transformed code and the compiled onnxruntime wasm (a workerd module, outside this registry).
// Without it a file saw the answers earlier files had cached (parity-surface's stream case: a hit on
// the Worker, a miss on Node). The Node gateways the parity tests compare with are per file as well
// (parity-client.ts nodeUrl, node-gateways.ts).
import { vi } from 'vitest';

vi.resetModules();
