// The vLLM Semantic Router's 25 PII prompts that a gateway must block, through the full detector
// with the committed pack (used only as a test, never for training or tuning).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPiiDetector } from '../../models/train/pii/pack-eval.ts';

interface Case { description: string; pii_type: string; question: string; expected_blocked: boolean }

const FILE = [process.env.SEMROUTE_VSR_TESTDATA, resolve(import.meta.dirname, '../../../shared/vsr-testdata'), '/work/shared/vsr-testdata']
  .filter(Boolean)
  .map((d) => resolve(d!, 'pii_detection_cases.json'))
  .find((f) => { try { readFileSync(f); return true; } catch { return false; } });

describe.skipIf(!FILE)('vSR PII detection cases with the real pii pack', () => {
  it('finds an entity of the expected type in most prompts and some PII in nearly all', async () => {
    const cases = JSON.parse(readFileSync(FILE!, 'utf8')) as Case[];
    const det = await loadPiiDetector(resolve(import.meta.dirname, '../../models/pii'));
    let typed = 0;
    let any = 0;
    for (const c of cases) {
      const ents = await det.detect(c.question);
      for (const e of ents) {
        expect(e.start).toBeGreaterThanOrEqual(0);
        expect(e.end).toBeLessThanOrEqual(c.question.length);
        expect(e.end).toBeGreaterThan(e.start);
      }
      if (ents.some((e) => e.type === c.pii_type)) typed++;
      if (ents.length > 0) any++;
    }
    console.log(`vSR PII cases: ${typed}/${cases.length} with an entity of the expected type, ${any}/${cases.length} with any entity`);
    expect(cases.length).toBe(25);
    expect(typed).toBeGreaterThanOrEqual(15);
    expect(any).toBeGreaterThanOrEqual(20);
  });
});
