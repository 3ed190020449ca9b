// A category routing can never select: it is chosen only through a label of the category pack (its
// mmlu_categories, else its own name, case-insensitive; vsr.md 1.1 step 5). A config written with the
// reference's v0.1 spelling `computer_science`, or an mmlu_categories typo, loaded as "config OK" and
// the category was silently dead (its questions went to default_model). Start-up, each reload and the
// Worker (reportMissingCategoryPack, which every deps build calls) now warn naming it.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.ts';
import { unreachableCategories } from '../../src/config/category-index.ts';
import { reportMissingCategoryPack } from '../../src/load-classifiers.ts';
import type { Classifiers, SequenceClassifier } from '../../src/classify/types.ts';

const LABELS = ['biology', 'computer science', 'math', 'other'];

const config = (categories: unknown[], extra: Record<string, unknown> = {}) =>
  validateConfig({ default_model: 'm', vllm_endpoints: [{ name: 'e', address: '10.0.0.1', port: 80 }], categories, ...extra }).config;
const cat = (name: string, more: Record<string, unknown> = {}) => ({ name, model_scores: [{ model: 'm', score: 1, use_reasoning: false }], ...more });

describe('unreachableCategories', () => {
  it('names a category no label reaches, by index and name, with the labels it could use', () => {
    const c = config([cat('Math'), cat('computer_science'), cat('bio', { mmlu_categories: ['biology'] }), cat('maths', { mmlu_categories: ['mathematics'] })]);
    const w = unreachableCategories(c, LABELS, 'domain');
    expect(w).toHaveLength(2);
    expect(w[0]).toContain('categories[1] "computer_science"');
    expect(w[0]).toContain('"domain"');
    expect(w[0]).toContain('computer science');
    expect(w[1]).toContain('categories[3] "maths"');
  });

  it('a label claimed by an earlier category leaves a later one with only that label unreached', () => {
    const c = config([cat('first', { mmlu_categories: ['math'] }), cat('second', { mmlu_categories: ['math'] })]);
    expect(unreachableCategories(c, LABELS, 'domain').map((w) => w.slice(0, 22))).toEqual(['categories[1] "second"']);
  });

  it('nothing to say when every category is reached', () => {
    expect(unreachableCategories(config([cat('math'), cat('Other')]), LABELS, 'domain')).toEqual([]);
  });
});

describe('reportMissingCategoryPack also warns of unreachable categories', () => {
  const classifiers = (labels: string[] | undefined): Classifiers => ({
    sequence: (n) => (n === 'domain' && labels ? ({ name: 'domain', labels, threshold: 0.5, classify: async () => { throw new Error('unused'); } } as SequenceClassifier) : undefined),
    pii: () => undefined,
    embedder: () => undefined,
    info: () => [],
  });
  const capture = () => {
    const lines: Array<{ level: string; obj: unknown; msg?: string }> = [];
    const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg });
    return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
  };

  it('one config warning per dead category', () => {
    const { lines, logger } = capture();
    reportMissingCategoryPack(config([cat('math'), cat('computer_science')]), classifiers(LABELS), logger as never);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'config warning' });
    expect(JSON.stringify(lines[0]!.obj)).toContain('computer_science');
  });

  it('no warning with routing off (nothing is classified) or when all are reached', () => {
    const off = capture();
    reportMissingCategoryPack(config([cat('computer_science')], { routing: { enabled: false } }), classifiers(LABELS), off.logger as never);
    expect(off.lines).toEqual([]);
    const ok = capture();
    reportMissingCategoryPack(config([cat('math')]), classifiers(LABELS), ok.logger as never);
    expect(ok.lines).toEqual([]);
  });
});
