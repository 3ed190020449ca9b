// The classification API's work shows in /metrics as the reference's does: its classifiers record
// llm_classifier_latency_seconds{classifier} on every call (classifier.go times each inference), so an
// operator sees API traffic and its latency. Before, /api/v1/classify/intent|pii|security left every
// series unchanged (only the batch endpoint had counters). Real packs, real sockets, scraped text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packsAvailable, postJson, realClassifiers, startGateway, type Gateway } from './gateway-harness.ts';

let gw: Gateway;
const run = packsAvailable() ? describe : describe.skip;

async function counts(): Promise<Record<string, number>> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^llm_classifier_latency_seconds_count\{classifier="([^"]+)"\} (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

run('classification API metrics', () => {
  beforeAll(async () => {
    gw = await startGateway({ classifiers: await realClassifiers() });
  }, 120_000);
  afterAll(() => gw?.close());

  it.each([
    ['/api/v1/classify/intent', 'category'],
    ['/api/v1/classify/pii', 'pii'],
    ['/api/v1/classify/security', 'jailbreak'],
  ])('%s observes llm_classifier_latency_seconds{classifier="%s"} once', async (path, classifier) => {
    const before = await counts();
    const { status } = await postJson(gw.url, path, { text: 'Explain supply and demand to jane@example.org' });
    expect(status).toBe(200);
    const after = await counts();
    expect((after[classifier] ?? 0) - (before[classifier] ?? 0)).toBe(1);
    for (const other of ['category', 'pii', 'jailbreak'].filter((c) => c !== classifier)) expect(after[other] ?? 0, other).toBe(before[other] ?? 0);
  });

  it('combined observes each classifier it ran once; a batch once per text', async () => {
    const before = await counts();
    expect((await postJson(gw.url, '/api/v1/classify/combined', { text: 'What is 2 + 2?' })).status).toBe(200);
    expect((await postJson(gw.url, '/api/v1/classify/batch', { texts: ['a question', 'another one', 'a third'], task_type: 'intent' })).status).toBe(200);
    const after = await counts();
    expect((after.category ?? 0) - (before.category ?? 0)).toBe(4);
    expect((after.pii ?? 0) - (before.pii ?? 0)).toBe(1);
    expect((after.jailbreak ?? 0) - (before.jailbreak ?? 0)).toBe(1);
  });

  // A batch takes milliseconds: with the chat-answer buckets (50 ms .. 10 min) every one fell in the
  // first bucket and no quantile could be read. The reference's default runs 1 ms .. 30 s.
  it('batch_classification_duration_seconds has buckets from 1 ms, so a millisecond batch is resolved', async () => {
    expect((await postJson(gw.url, '/api/v1/classify/batch', { texts: ['a question', 'another one'], task_type: 'intent' })).status).toBe(200);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const les = [...text.matchAll(/^batch_classification_duration_seconds_bucket\{processing_type="sequential",batch_size_range="2-5",le="([^"]+)"\} \d+$/gm)].map((m) => m[1]!);
    const finite = les.filter((l) => l !== '+Inf').map(Number);
    expect(Math.min(...finite)).toBeLessThanOrEqual(0.001);
    expect(Math.max(...finite)).toBeGreaterThanOrEqual(30);
    expect(finite.filter((l) => l < 0.05).length).toBeGreaterThanOrEqual(3);
  });

  // One log line per API request, as for chat requests: the operator's access log, without the text.
  it('each API request writes one log line (path, status, texts, latency), never the text', async () => {
    const secret = 'Contact jane.roe.5521@example.org about the merger';
    const calls: Array<[string, unknown, number]> = [
      ['/api/v1/classify/intent', { text: secret }, 200],
      ['/api/v1/classify/pii', { text: secret }, 200],
      ['/api/v1/classify/batch', { texts: [secret, 'second text'], task_type: 'security' }, 200],
      ['/api/v1/classify/batch', { texts: [] }, 400],
    ];
    for (const [i, [path, body, status]] of calls.entries()) {
      const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `api-log-${i}` }, body: JSON.stringify(body) });
      expect(res.status).toBe(status);
      await res.text();
      const lines = gw.logs.lines.filter((l) => l.obj.request_id === `api-log-${i}`);
      expect(lines, path).toHaveLength(1);
      expect(lines[0]!.obj).toMatchObject({ event: 'classify', path, status });
      expect(typeof (lines[0]!.obj.latency_ms as { total?: unknown }).total).toBe('number');
    }
    expect(gw.logs.lines.find((l) => l.obj.request_id === 'api-log-2')!.obj.texts).toBe(2);
    expect(JSON.stringify(gw.logs.lines)).not.toContain('jane.roe');
  });
});
