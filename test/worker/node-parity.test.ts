// Node and Worker give the same answers: every prompt of ../shared/vsr-testdata/domain_classify_cases.json
// through the Worker's classification API (onnxruntime-web WASM in workerd, packs from static
// assets) against the Node gateway's answers for the same prompts (onnxruntime-node CPU), which
// test/worker/global-setup.ts computes fresh on each run with the same packs and default config.
import { SELF } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';

const node = inject('nodeDomain');

describe('Node vs Worker on domain_classify_cases.json', () => {
  it.skipIf(node.length === 0)(`same category, recommended model and confidence (1e-5) for all ${node.length} prompts`, async () => {
    let maxDiff = 0;
    const mismatches: string[] = [];
    const t0 = Date.now();
    for (const n of node) {
      const res = await SELF.fetch('https://semroute.test/api/v1/classify/intent', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: n.question }),
      });
      expect(res.status).toBe(200);
      const w = (await res.json()) as { classification: { category: string; confidence: number }; recommended_model: string; routing_decision: string };
      const diff = Math.abs(w.classification.confidence - n.confidence);
      maxDiff = Math.max(maxDiff, diff);
      if (w.classification.category !== n.category || w.recommended_model !== n.model || w.routing_decision !== n.decision || diff > 1e-5) {
        mismatches.push(`${JSON.stringify(n.question.slice(0, 60))}: node ${n.category}/${n.model}/${n.confidence} worker ${w.classification.category}/${w.recommended_model}/${w.classification.confidence}`);
      }
    }
    const correct = node.filter((n) => n.category === n.expected).length;
    console.log(
      `[parity] ${node.length} prompts, max |confidence diff| ${maxDiff.toExponential(2)}, mismatches ${mismatches.length}; ` +
        `accuracy vs labels ${correct}/${node.length}; worker ${((Date.now() - t0) / node.length).toFixed(2)} ms/request (SELF.fetch, wall clock), ` +
        `node ${inject('nodeDomainMsPerRequest').toFixed(2)} ms/request (app.fetch in-process)`,
    );
    expect(mismatches).toEqual([]);
    // The whole distribution moves, not just the label: a sanity floor that both sides really classified.
    expect(new Set(node.map((n) => n.category)).size).toBeGreaterThan(5);
  });
});
