// /api/v1/classify/batch scans its texts with one scan budget for the request (budget.ts), as the
// gateway does for a chat request's texts. Each text had a budget of its own, so a batch of 50 PII
// texts of 199k characters (10 MB body) bought 50 budgets: 10 x 199k took 3.6 s of one core and 50
// about 18 s, task "all" more (QA probe, 2026-12-06).
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { registerClassify } from '../../src/api/classify.ts';
import { fakeDeps, fakeJailbreak, fakePii } from './guard-fakes.ts';

const filler = (n: number) => 'the quick brown fox jumps over it '.repeat(Math.ceil(n / 34)).slice(0, n);

function gateway(budget: Record<string, unknown>) {
  const pii = fakePii({ maxChars: 1e9 });
  const jailbreak = fakeJailbreak({ maxChars: 1e9 });
  const deps = fakeDeps(
    { packs: { pii: 'pii', jailbreak: 'jailbreak' }, prompt_guard: { enabled: true, budget }, api: { batch_classification: { max_batch_size: 100 } }, server: { max_body_bytes: 10_485_760 } },
    { pii, jailbreak, maxLength: 512 },
  );
  const app = new Hono();
  registerClassify(app, deps);
  const batch = (texts: string[], task_type: string) =>
    app.request('/api/v1/classify/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts, task_type }) });
  return { pii, jailbreak, batch };
}

describe('batch classification and the scan budget', () => {
  it('PII: the texts of one batch share one budget', async () => {
    const g = gateway({ pii_max_chars: 10_000 });
    const ok = await g.batch(Array.from({ length: 4 }, (_, i) => `mail u${i}@ex.com ${filler(2_000)}`), 'pii');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).results.map((r: any) => r.category)).toEqual(Array(4).fill('EMAIL_ADDRESS'));
    const calls = g.pii.calls;
    // Each text is within the budget, together they are not: refused, having scanned less than one budget's worth.
    const over = await g.batch(Array.from({ length: 20 }, (_, i) => `mail u${i}@ex.com ${filler(2_000)}`), 'pii');
    expect(over.status).toBe(413);
    expect(((await over.json()) as any).error.code).toBe('TEXT_TOO_LONG');
    expect(g.pii.calls - calls).toBeLessThanOrEqual(5 * Math.ceil(2_020 / 300));
  });

  it('security: the texts of one batch share one budget', async () => {
    const g = gateway({ max_chars: 10_000 });
    expect((await g.batch(Array.from({ length: 4 }, () => filler(2_000)), 'security')).status).toBe(200);
    const over = await g.batch(Array.from({ length: 20 }, () => filler(2_000)), 'security');
    expect(over.status).toBe(413);
  });
});
