// The reference's own e2e and bench texts (../shared/vsr-testdata) sent through the classification API
// the way its clients would send them, asserting shapes only: fields, types, label sets, and that the
// batch statistics add up. Never accuracy (the packs are not tuned on these texts; guard-gateway and
// gateway-routing report the counts). The chat path's block shapes are in guard-gateway.test.ts.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, realClassifiers, SHARED, startGateway, type Gateway } from './gateway-harness.ts';

const load = <T>(f: string): T[] => JSON.parse(readFileSync(`${SHARED}vsr-testdata/${f}`, 'utf8')) as T[];
const BENCH = load<{ text: string; true_label: string }>('test_data.json');
const DOMAIN = load<{ question: string }>('domain_classify_cases.json');
const JAILBREAK = load<{ question: string }>('jailbreak_detection_cases.json');
const PII = load<{ question: string }>('pii_detection_cases.json');

let gw: Gateway;
let categories: Set<string>;
let piiTypes: Set<string>;
beforeAll(async () => {
  gw = await startGateway({ classifiers: await realClassifiers() });
  const info = (await (await fetch(`${gw.url}/info/classifier`)).json()) as { categories: Array<{ name: string }>; pii_types: string[] };
  categories = new Set(info.categories.map((c) => c.name));
  piiTypes = new Set(info.pii_types);
});
afterAll(() => gw?.close());

const post = (path: string, body: unknown) => postJson(gw.url, path, body);
const int = expect.any(Number);
const isInt = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
const isProb = (n: unknown) => typeof n === 'number' && n >= 0 && n <= 1;

/** Batches of at most 100 texts (api.batch_classification.max_batch_size). */
async function batch(texts: string[], task_type: string, options: Record<string, unknown> = {}) {
  const rows: Record<string, any>[] = [];
  for (let i = 0; i < texts.length; i += 100) {
    const part = texts.slice(i, i + 100);
    const { status, json } = await post('/api/v1/classify/batch', { texts: part, task_type, options });
    expect(status).toBe(200);
    expect(json.total_count).toBe(part.length);
    expect(json.results).toHaveLength(part.length);
    expect(isInt(json.processing_time_ms)).toBe(true);
    const s = json.statistics;
    const counted = Object.values(s.category_distribution as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(counted).toBe(part.length);
    expect(isProb(s.avg_confidence)).toBe(true);
    expect(isInt(s.low_confidence_count) && s.low_confidence_count <= part.length).toBe(true);
    rows.push(...json.results);
  }
  for (const r of rows) {
    expect(typeof r.category).toBe('string');
    expect(isProb(r.confidence)).toBe(true);
    expect(isInt(r.processing_time_ms)).toBe(true);
  }
  return rows;
}

describe('bench/data/test_data.json (70 texts) and the e2e domain cases through intent batches', () => {
  it('each row: a category of /info/classifier, a confidence, whole-millisecond timing; probabilities on request cover every category', async () => {
    const rows = await batch(BENCH.map((c) => c.text), 'intent', { return_probabilities: true });
    for (const r of rows) {
      expect(categories.has(r.category)).toBe(true);
      expect(new Set(Object.keys(r.probabilities))).toEqual(categories);
      expect(Object.values(r.probabilities as Record<string, number>).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    }
    const domain = await batch(DOMAIN.map((c) => c.question), '');
    expect(domain.every((r) => categories.has(r.category) && r.probabilities === undefined)).toBe(true);
  });

  it('the same texts one by one through /intent: the batch row is the single answer\'s classification', async () => {
    const texts = BENCH.slice(0, 10).map((c) => c.text);
    const rows = await batch(texts, 'intent');
    for (const [i, text] of texts.entries()) {
      const { status, json } = await post('/api/v1/classify/intent', { text });
      expect(status).toBe(200);
      expect(json).toMatchObject({ classification: { category: rows[i]!.category, confidence: rows[i]!.confidence, processing_time_ms: int }, recommended_model: expect.any(String) });
      expect(['high_confidence_specialized', 'low_confidence_general']).toContain(json.routing_decision);
    }
  });
});

describe('e2e jailbreak cases through /security and security batches', () => {
  it('each answer has the reference fields, consistent with each other', async () => {
    for (const { question } of JAILBREAK) {
      const { status, json } = await post('/api/v1/classify/security', { text: question, options: { include_reasoning: true } });
      expect(status).toBe(200);
      expect(json).toEqual({
        is_jailbreak: expect.any(Boolean),
        risk_score: expect.any(Number),
        detection_types: expect.any(Array),
        confidence: expect.any(Number),
        recommendation: json.is_jailbreak ? 'block' : 'allow',
        reasoning: expect.any(String),
        patterns_detected: expect.any(Array),
        processing_time_ms: int,
      });
      expect(json.detection_types.length > 0).toBe(json.is_jailbreak);
    }
    const rows = await batch(JAILBREAK.map((c) => c.question), 'security');
    for (const r of rows) expect(r.category === 'safe').toBe(!r.is_jailbreak);
  });
});

describe('e2e PII cases through /pii and pii batches', () => {
  it('entities: pack types with in-range positions whose value is the text there; masked_text hides every value', async () => {
    for (const { question } of PII) {
      const { status, json } = await post('/api/v1/classify/pii', { text: question, options: { mask_entities: true } });
      expect(status).toBe(200);
      expect(json.has_pii).toBe(json.entities.length > 0);
      expect(json.security_recommendation).toBe(json.has_pii ? 'block' : 'allow');
      for (const e of json.entities) {
        expect(piiTypes.has(e.type)).toBe(true);
        expect(isProb(e.confidence)).toBe(true);
        expect(Array.from(question).slice(e.start_position, e.end_position).join('')).toBe(e.value);
        expect(json.masked_text).not.toContain(e.value);
        expect(json.masked_text).toContain(e.masked_value);
      }
    }
    const rows = await batch(PII.map((c) => c.question), 'pii');
    for (const r of rows) expect(r.category === 'no_pii').toBe(!r.has_pii);
  });
});
