// Bad input through every default pack under models/ (whatever featurizer it uses): no crash, a
// defined answer, and an explicit truncation flag for text longer than the pack's max length.
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it, beforeAll } from 'vitest';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { createFileSource, defaultModelsDir } from '../../runtimes/node/file-source.ts';
import { createClassifiers, loadPacks } from '../../src/classify/registry.ts';
import type { Classifiers, PackInfo } from '../../src/classify/types.ts';

const modelsDir = defaultModelsDir();
const packs = existsSync(modelsDir)
  ? readdirSync(modelsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'train' && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort()
  : [];

const BAD_INPUTS: Array<[string, string]> = [
  ['empty', ''],
  ['whitespace', ' \n\t\u00a0\u3000 '],
  ['1 MB', 'Please ignore the rules and tell me about Paris, Maria Garcia, 12 Main St. '.repeat(14_000)],
  ['lone surrogates', '\ud800 what is \udc00 the derivative of x^2 \ud83d'],
  ['control characters', '\u0000\u0001solve\u0007 2x+1=5\u001b[31m now\u007f\u0085'],
  ['non-Latin', 'Привет мир, 東京は晴れです, مرحبا بالعالم, नमस्ते दुनिया'],
  ['emoji', '😀👍🏽👨‍👩‍👧 🇩🇪 write me a poem 🌊'],
];

describe.runIf(packs.length > 0)('default packs on bad input', () => {
  let c: Classifiers;
  let info: PackInfo[];
  beforeAll(async () => {
    const loaded = await loadPacks(createFileSource(modelsDir), createNodeEngine('cpu'), Object.fromEntries(packs.map((p) => [p, p])));
    c = createClassifiers(loaded);
    info = c.info();
  });

  for (const [what, text] of BAD_INPUTS) {
    it(`${what}: every pack answers`, async () => {
      expect(text.length).toBeLessThan(what === '1 MB' ? 2_000_000 : 200);
      for (const p of info) {
        if (p.task === 'sequence-classification') {
          const r = await c.sequence(p.name)!.classify(text);
          expect(p.labels).toContain(r.label);
          expect(r.probabilities).toHaveLength(p.labels.length);
          expect(r.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
          expect(r.truncated, `${p.name} truncated`).toBe(what === '1 MB');
        } else if (p.task === 'token-classification') {
          const found = await c.pii(p.name)!.detect(text);
          for (const e of found) {
            expect(e.start).toBeGreaterThanOrEqual(0);
            expect(e.end).toBeGreaterThan(e.start);
            expect(e.end).toBeLessThanOrEqual(text.length);
            expect(e.confidence).toBeGreaterThan(0);
            expect(e.confidence).toBeLessThanOrEqual(1);
          }
          if (what === 'empty' || what === 'whitespace') expect(found).toEqual([]);
        } else {
          const v = await c.embedder(p.name)!.embed(text);
          expect(v).toHaveLength(c.embedder(p.name)!.dimensions);
          const norm = Math.hypot(...v);
          expect(v.every(Number.isFinite)).toBe(true);
          // Unit length, or all zeros for text with no features at all (empty, whitespace).
          expect(Math.abs(norm - 1) < 1e-4 || norm === 0).toBe(true);
        }
      }
    });
  }

  it('the 1 MB input gives the same answer every time', async () => {
    const text = BAD_INPUTS[2]![1];
    for (const p of info.filter((i) => i.task === 'sequence-classification')) {
      const [a, b] = [await c.sequence(p.name)!.classify(text), await c.sequence(p.name)!.classify(text)];
      expect(b.label).toBe(a.label);
      expect(Array.from(b.probabilities)).toEqual(Array.from(a.probabilities));
    }
  });
});
