import { defineConfig } from 'vitest/config';

// Node-side suite: unit + integration (real sockets). The workerd suite has its own config.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // A throwaway redis-server for the shared semantic cache tests (inject('redisUrl')).
    globalSetup: ['test/setup/redis.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core machines: integration tests start servers; keep file parallelism modest.
    maxWorkers: 2,
  },
});
