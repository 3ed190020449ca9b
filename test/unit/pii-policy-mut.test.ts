// PII policy behaviour no other test pinned (found by mutating src/guard/pii-policy.ts and
// src/pipeline/pii.ts): pii_types_allowed written in lower case still allows the type, and a
// redaction is counted in llm_pii_redactions_total per denied type.
import { describe, expect, it } from 'vitest';
import { piiStage } from '../../src/pipeline/pii.ts';
import type { ChatBody, RoutingDecision } from '../../src/pipeline/context.ts';
import { ctxFor, fakeDeps, fakePii } from './guard-fakes.ts';

const EMAIL = 'jane.doe@example.com';
const SSN = '123-45-6789';
const explicit = (model: string): RoutingDecision => ({ routed: false, model, reasoning: false, injectedSystemPrompt: false, reasonCode: 'model_specified' });
const ask = (model: string, text: string): ChatBody => ({ model, messages: [{ role: 'user', content: text }] });

describe('PII policy (mutation audit)', () => {
  const config = {
    default_model: 'lower',
    model_config: {
      lower: { pii_policy: { allow_by_default: false, pii_types_allowed: ['email_address'] } },
      masker: { pii_policy: { allow_by_default: false, pii_types_allowed: ['EMAIL_ADDRESS'], action: 'redact' } },
    },
  };

  it('pii_types_allowed is read case-insensitively', async () => {
    const deps = fakeDeps(config, { pii: fakePii({ maxChars: 10_000 }) });
    const ok = ctxFor(ask('lower', `mail ${EMAIL}`), { decision: explicit('lower') });
    expect(await piiStage(deps, ok)).toBeUndefined();
    // A type it does not list is still refused, naming only that type.
    const refused = await piiStage(deps, ctxFor(ask('lower', `mail ${EMAIL} ssn ${SSN}`), { decision: explicit('lower') }));
    expect(refused?.headers['x-vsr-pii-violation']).toBe('true');
    expect(JSON.parse(refused!.body).choices[0].message.content).toContain('([US_SSN])');
  });

  it('a redaction counts llm_pii_redactions_total once per denied type, with the model', async () => {
    const deps = fakeDeps(config, { pii: fakePii({ maxChars: 10_000 }) });
    const ctx = ctxFor(ask('masker', `ssn ${SSN} and ${SSN}, mail ${EMAIL}`), { decision: explicit('masker') });
    expect(await piiStage(deps, ctx)).toBeUndefined();
    expect(JSON.stringify(ctx.body)).not.toContain(SSN);
    expect(JSON.stringify(ctx.body)).toContain(EMAIL); // allowed: left as sent
    const counted = deps.rec.metrics.filter(([n]) => n === 'llm_pii_redactions_total');
    expect(counted).toEqual([['llm_pii_redactions_total', { model: 'masker', pii_type: 'US_SSN' }, undefined]]);
  });
});
