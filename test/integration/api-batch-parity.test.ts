// /api/v1/classify/batch request forms a client of the vLLM Semantic Router sends (vsr.md 2.5; its
// server.go: an empty task_type is intent), over real sockets with the real packs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, realClassifiers, startGateway, testConfig, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ classifiers: await realClassifiers() });
});
afterAll(() => gw?.close());

const batch = (body: unknown) => postJson(gw.url, '/api/v1/classify/batch', body);

describe('task_type', () => {
  it('"" is intent, as the reference reads it (a Go struct without omitempty always sends the field)', async () => {
    // Before: 400 INVALID_TASK_TYPE.
    const empty = await batch({ texts: ['What is the derivative of x^2?'], task_type: '' });
    const absent = await batch({ texts: ['What is the derivative of x^2?'] });
    expect(empty.status).toBe(200);
    expect(empty.json.results.map((r: { category: string }) => r.category)).toEqual(absent.json.results.map((r: { category: string }) => r.category));
  });

  it('an unknown one is still 400 INVALID_TASK_TYPE', async () => {
    const { status, json } = await batch({ texts: ['a b'], task_type: 'poetry' });
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_TASK_TYPE');
  });
});

describe('a bad entry among good ones', () => {
  it('refuses the whole batch, naming the entry', async () => {
    for (const texts of [['What is 2+2?', 5], ['What is 2+2?', 'Who was Caesar?', '  ']]) {
      const { status, json } = await batch({ texts });
      expect(status).toBe(400);
      expect(json.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining(`texts[${texts.length - 1}]`) });
    }
  });
});

describe('a text longer than the pack reads', () => {
  it('intent and intent batch rows say truncated: true; a short text has no such field', async () => {
    // Before: a 540 KB text was classified on its start with nothing in the answer saying so.
    const long = 'What is the integral of x with respect to x? '.repeat(12_000);
    const one = await postJson(gw.url, '/api/v1/classify/intent', { text: long });
    expect(one.status).toBe(200);
    expect(one.json.classification.truncated).toBe(true);
    const rows = (await batch({ texts: [long, 'What is 2+2?'] })).json.results;
    expect(rows[0].truncated).toBe(true);
    expect(rows[1]).not.toHaveProperty('truncated');
    const short = await postJson(gw.url, '/api/v1/classify/intent', { text: 'What is 2+2?' });
    expect(short.json.classification).not.toHaveProperty('truncated');
  });
});

describe('/info/models: a configured pack that did not load', () => {
  it('is listed with loaded: false, as the reference lists a model it could not initialise', async () => {
    // Before: absent, so a dashboard could not tell it from a pack never configured.
    const g = await startGateway({
      classifiers: await realClassifiers(),
      config: (port) => testConfig({ packs: { extra: ['intent', 'no-such-pack'] } }, [{ name: 'production-stack', address: '127.0.0.1', port }]),
    });
    try {
      const models = ((await (await fetch(`${g.url}/info/models`)).json()) as { models: Array<Record<string, unknown>> }).models;
      expect(models.find((m) => m.name === 'no-such-pack')).toEqual({ name: 'no-such-pack', type: 'sequence_classification', loaded: false, metadata: { status: 'not_loaded' } });
      expect(models.find((m) => m.name === 'intent')).toMatchObject({ loaded: true });
    } finally {
      await g.close();
    }
  });
});
