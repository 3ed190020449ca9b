import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';

// The workerd suite: tests run inside workerd with the Worker of runtimes/worker/wrangler.jsonc
// (SELF = its fetch handler, ASSETS = models/). Kept at the package root: with a subfolder root the
// wasm import resolves through /@fs/ and fails (../shared/reference/feasibility.md, section 4).
// test/worker/global-setup.ts runs in Node: mock upstream on a real socket + Node's reference answers.
export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: './runtimes/worker/wrangler.jsonc' },
      miniflare: { bindings: { SEMROUTE_UPSTREAM: inject('mockUrl') } },
    })),
  ],
  test: {
    include: ['test/worker/**/*.test.ts'],
    globalSetup: ['test/worker/global-setup.ts', 'test/worker/blackhole-setup.ts', 'test/worker/early-answer-setup.ts', 'test/worker/keepalive-setup.ts'],
    setupFiles: ['test/worker/fresh-modules-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One workerd for all files (fresh-modules-setup.ts still gives each file fresh module instances):
    // with a Miniflare per file (the default) the suite spent ~70% of its time starting workerd and
    // importing the Worker (onnxruntime-web, its wasm): 38 files x ~7 s. No file uses vi.mock, spies
    // are restored in a finally, Durable Object names are random per test.
    isolate: false,
  },
});
