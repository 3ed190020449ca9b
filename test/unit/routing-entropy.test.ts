// The reference's entropy-based reasoning switch (vsr.md 1.1 step 5): uncertainty levels from the
// normalised entropy, and which category's use_reasoning wins at each level.
import { describe, expect, it } from 'vitest';
import { entropyBits, entropyReasoning, uncertaintyLevel } from '../../src/pipeline/entropy.ts';

const normalised = (p: number[]) => entropyBits(p) / Math.log2(p.length);
const names = ['biology', 'other', 'chemistry', 'law', 'physics', 'business'];
const reasoningOf = new Map([['biology', false], ['chemistry', false], ['law', false], ['other', false], ['physics', true], ['business', true]]);

describe('entropy-based reasoning decision', () => {
  it('levels follow the normalised entropy (cut points 0.2 / 0.4 / 0.6 / 0.8)', () => {
    expect(uncertaintyLevel(normalised([0.45, 0.4, 0.1, 0.05]))).toBe('high');
    expect(normalised([0.7, 0.15, 0.1, 0.05])).toBeCloseTo(0.66, 2);
    expect(uncertaintyLevel(normalised([0.7, 0.15, 0.1, 0.05]))).toBe('high');
    expect(normalised([0.85, 0.05, 0.05, 0.05])).toBeCloseTo(0.424, 3);
    expect(uncertaintyLevel(normalised([0.85, 0.05, 0.05, 0.05]))).toBe('medium');
    expect(uncertaintyLevel(normalised([0.9, 0.04, 0.03, 0.02, 0.01]))).toBe('low');
    expect(uncertaintyLevel(normalised([1, 0, 0, 0]))).toBe('very_low');
    expect(uncertaintyLevel(normalised([0.25, 0.25, 0.25, 0.25]))).toBe('very_high');
  });

  it('a confident class keeps its own use_reasoning', () => {
    const d = entropyReasoning([0.97, 0.01, 0.01, 0.005, 0.003, 0.002], names, reasoningOf, 0.6);
    expect(d).toMatchObject({ level: 'very_low', useReasoning: false, reason: 'very_low_uncertainty_trust_classification' });
    expect(d.confidence).toBeCloseTo(0.97 * 0.95, 6);
    const p = entropyReasoning([0.002, 0.003, 0.005, 0.01, 0.97, 0.01], names, reasoningOf, 0.6);
    expect(p).toMatchObject({ useReasoning: true, top: [{ category: 'physics' }, { category: 'law' }, { category: 'business' }] }); // ties keep label order
  });

  it('a near-uniform distribution turns reasoning on whatever the top class says', () => {
    const d = entropyReasoning([0.17, 0.17, 0.17, 0.17, 0.16, 0.16], names, reasoningOf, 0.6);
    expect(d).toMatchObject({ level: 'very_high', useReasoning: true, confidence: 0.3, reason: 'very_high_uncertainty_conservative_default' });
  });

  it('high uncertainty: probability-weighted vote of the top two', () => {
    // physics 0.40 (on) vs biology 0.35 (off): 0.40 / 0.75 > 0.5 -> on
    const d = entropyReasoning([0.35, 0.1, 0.05, 0.05, 0.4, 0.05], names, reasoningOf, 0.6);
    expect(d.level).toBe('high');
    expect(d).toMatchObject({ useReasoning: true, reason: 'high_uncertainty_weighted_decision' });
    expect(d.confidence).toBeCloseTo(Math.abs(0.4 / 0.75 - 0.5) + 0.5, 6);
  });

  it('medium uncertainty: the top class above the threshold is trusted, else a vote of the top three', () => {
    const trusted = entropyReasoning([0.1, 0.1, 0.1, 0.0, 0.7, 0.0], names, reasoningOf, 0.6);
    expect(trusted.level).toBe('medium');
    expect(trusted).toMatchObject({ useReasoning: true, reason: 'medium_uncertainty_top_category_above_threshold' });
    expect(trusted.confidence).toBeCloseTo(0.7 * 0.8, 6);
    // physics 0.7 (on) against biology and other 0.1 each (off): 0.7 / 0.9 > 0.5
    const voted = entropyReasoning([0.1, 0.1, 0.1, 0.0, 0.7, 0.0], names, reasoningOf, 0.9);
    expect(voted).toMatchObject({ reason: 'medium_uncertainty_weighted', useReasoning: true });
    const off = entropyReasoning([0.3, 0.1, 0.0, 0.0, 0.6, 0.0], names, new Map([['physics', true], ['biology', false], ['other', false]]), 0.9);
    expect(off.level).toBe('medium');
    expect(off.useReasoning).toBe(true); // 0.6 / 1.0
    const off2 = entropyReasoning([0.35, 0.2, 0.0, 0.0, 0.45, 0.0], names, new Map([['physics', true], ['biology', false], ['other', false]]), 0.9);
    expect(off2.useReasoning).toBe(false); // 0.45 / 1.0 <= 0.5
  });

  it('classes without a configured category abstain; a top class without one means no reasoning', () => {
    const d = entropyReasoning([0.98, 0.01, 0.01], ['poetry', 'physics', 'law'], reasoningOf, 0.6);
    expect(d).toMatchObject({ useReasoning: false, reason: 'category_not_in_reasoning_map' });
    expect(entropyReasoning([], [], reasoningOf, 0.6)).toMatchObject({ useReasoning: false, reason: 'no_classification_data' });
  });
});
