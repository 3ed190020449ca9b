// api.batch_classification.max_batch_size / concurrency_threshold / max_concurrency of 0 (or below):
// the reference reads each as "use the default" (its server.go: `if MaxBatchSize > 0 { use it }`,
// else 100; threshold 5, concurrency 8), so a config written from a Go zero value, or with 0 for
// "default", loads there. semroute refused it as a config error (max_batch_size: 0, max_concurrency: 0),
// so the server would not start. Now 0 and below mean the default 100; the two worker-pool knobs,
// which change nothing here, take any integer. Real sockets, the real packs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

for (const size of [0, -1]) {
  describe(`max_batch_size: ${size}`, () => {
    let gw: Gateway;
    beforeAll(async () => {
      const config = testConfig({ api: { batch_classification: { max_batch_size: size, concurrency_threshold: size, max_concurrency: size } } });
      expect(config.api.batch_classification.max_batch_size).toBe(100);
      gw = await startGateway({ classifiers: await realClassifiers(), config: () => config });
    });
    afterAll(() => gw?.close());

    it('is the default 100: 100 texts are classified, 101 refused naming 100', async () => {
      const ok = await postJson(gw.url, '/api/v1/classify/batch', { texts: Array.from({ length: 100 }, (_, i) => `What is ${i} + ${i}?`), task_type: 'intent' });
      expect(ok.status).toBe(200);
      expect(ok.json.total_count).toBe(100);
      const over = await postJson(gw.url, '/api/v1/classify/batch', { texts: Array.from({ length: 101 }, () => 'What is 2 + 2?'), task_type: 'intent' });
      expect(over.status).toBe(400);
      expect(over.json.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('max_batch_size 100') });
    }, 60_000);
  });
}
