// The jailbreak MODEL_CARD's "Multi-turn chats" section is measured outside training (the gateway's
// guard, models/train/eval-turns.ts), so `npm run train -- jailbreak` would drop it: packs.ts carries
// it (`sections`) and model-card.ts writes it after the notes. A dry render of the card (made-up run
// numbers; the pack is not retrained) must hold the committed card's notes and sections verbatim,
// in the committed order.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKS } from '../../models/train/packs.ts';
import { writeClassifierCard } from '../../models/train/model-card.ts';
import type { ClassifierResult } from '../../models/train/train-classifier.ts';

const rep = { n: 2, accuracy: 1, macro_f1: 1, per_class: [{ label: 'benign', support: 1, precision: 1, recall: 1, f1: 1 }, { label: 'jailbreak', support: 1, precision: 1, recall: 1, f1: 1 }] };
const run = {
  spec: PACKS.jailbreak,
  trainRows: 1,
  devRows: 1,
  dev: rep,
  subsets: {},
  binary: { threshold: 0.7, precision: 1, recall: 1, f1: 1, fpr: 0, tp: 1, fp: 0, tn: 1, fn: 0 },
  injectionRecall: { n: 1, recall: 1 },
  roleplayFpr: { n: 1, fpr: 0 },
  threshold: 0.7,
  calibratedThreshold: 0.7,
  sizeBytes: 1,
  parityMaxDiff: 0,
  latency: { p50_ms: 0, p99_ms: 0 },
  seconds: 0,
} as unknown as ClassifierResult;

/** `## title` -> its text up to the next `## ` heading (or the end). */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of md.split(/^(?=## )/m).slice(1)) out.set(part.slice(3, part.indexOf('\n')), part);
  return out;
}

describe('jailbreak model card: sections written by npm run train', () => {
  it('packs.ts carries the Multi-turn chats section, rendered after the notes as the committed card has it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'card-'));
    try {
      writeClassifierCard(dir, run);
      const rendered = sections(readFileSync(join(dir, 'MODEL_CARD.md'), 'utf8'));
      const committed = sections(readFileSync('models/jailbreak/MODEL_CARD.md', 'utf8'));
      const multi = "Multi-turn chats (the gateway's guard)";
      expect(PACKS.jailbreak.sections?.map((s) => s.title)).toContain(multi);
      for (const title of ['Known limitations and what was tried', multi]) expect(rendered.get(title), title).toBe(committed.get(title));
      expect([...rendered.keys()]).toEqual([...committed.keys()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
