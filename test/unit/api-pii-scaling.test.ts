// /api/v1/classify/pii answers one row per entity with its placeholder. A text of tens of thousands of
// short e-mails (within the PII budget) matched each entity to its placeholder by a search of all
// placeholders, entities^2: 27,000 entities stalled the gateway for 0.8 s (QA probe, 2026-12-06).
// Counted, not timed: maskText's placeholder list is wrapped so every read of an element counts.
import { describe, expect, it, vi } from 'vitest';
import { piiTask } from '../../src/api/classify-tasks.ts';
import { fakeDeps, fakePii } from './guard-fakes.ts';

const reads = { n: 0 };
vi.mock('../../src/guard/pii-scan.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/guard/pii-scan.ts')>();
  return {
    ...real,
    maskText: (...args: Parameters<typeof real.maskText>) => {
      const r = real.maskText(...args);
      const placeholders = new Proxy(r.placeholders, {
        get(target, prop, recv) {
          if (typeof prop === 'string' && /^\d+$/.test(prop)) reads.n++;
          return Reflect.get(target, prop, recv);
        },
      });
      return { ...r, placeholders };
    },
  };
});

const emails = (n: number) => Array.from({ length: n }, (_, i) => `u${i.toString(36)}@ex.com`).join(' ');

describe('/pii answer with many entities', () => {
  const deps = fakeDeps({ packs: { pii: 'pii' }, prompt_guard: { enabled: true } }, { pii: fakePii({ maxChars: 1e9 }), maxLength: 512 });

  it('pairs each entity with its placeholder', async () => {
    const text = `${emails(3)} and u0@ex.com`;
    const r = (await piiTask(deps, text, { mask_entities: true })) as any;
    expect(r.entities.map((e: any) => [e.value, e.masked_value])).toEqual([
      ['u0@ex.com', '<EMAIL_ADDRESS_1>'],
      ['u1@ex.com', '<EMAIL_ADDRESS_2>'],
      ['u2@ex.com', '<EMAIL_ADDRESS_3>'],
      ['u0@ex.com', '<EMAIL_ADDRESS_1>'],
    ]);
    expect(r.masked_text).toBe('<EMAIL_ADDRESS_1> <EMAIL_ADDRESS_2> <EMAIL_ADDRESS_3> and <EMAIL_ADDRESS_1>');
  });

  it('reads the placeholder list about once per entity, not once per entity pair', async () => {
    reads.n = 0;
    const r = (await piiTask(deps, emails(2_000), {})) as any;
    expect(r.entities).toHaveLength(2_000);
    expect(r.entities[1_999].masked_value).toBe('<EMAIL_ADDRESS_2000>');
    // A search per entity read it 2,000 x 2,001 / 2 times.
    expect(reads.n).toBeLessThan(10 * 2_000);
  });
});
