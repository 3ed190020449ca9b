import { describe, expect, it } from 'vitest';
import { deniedTypes, planPii, type PiiPolicy } from '../../src/guard/pii-policy.ts';
import { jailbreakBlockResponse, piiBlockResponse } from '../../src/guard/immediate-responses.ts';

const policies: Record<string, PiiPolicy> = {
  cloud: { allow_by_default: false, pii_types_allowed: ['EMAIL_ADDRESS'] },
  strict: { allow_by_default: false },
  masker: { allow_by_default: false, action: 'redact', restore: true },
  local: { allow_by_default: true },
};
const policy = (m: string) => policies[m];

describe('PII policy', () => {
  it('denies only what the allowed list does not cover; allow_by_default models deny nothing', () => {
    expect(deniedTypes(policies.cloud, ['EMAIL_ADDRESS', 'PERSON', 'person'])).toEqual(['PERSON']);
    expect(deniedTypes(policies.local, ['US_SSN'])).toEqual([]);
    expect(deniedTypes(undefined, ['US_SSN'])).toEqual([]);
    expect(deniedTypes(policies.strict, [])).toEqual([]);
  });

  const base = { routed: true, defaultModel: 'strict', policy };

  it('keeps the selected model when it may see the types', () => {
    expect(planPii({ ...base, selected: 'cloud', candidates: [], detected: ['EMAIL_ADDRESS'] })).toEqual({ action: 'allow', model: 'cloud', changed: false });
  });

  it('picks the best-scored allowed alternative in the category', () => {
    const candidates = [{ model: 'cloud', score: 0.9 }, { model: 'strict', score: 0.8 }, { model: 'local', score: 0.3 }, { model: 'other', score: 0.5 }];
    // "other" has no policy: allowed, and scores above "local"
    expect(planPii({ ...base, selected: 'cloud', candidates, detected: ['PERSON'] })).toEqual({ action: 'allow', model: 'other', changed: true });
    expect(planPii({ ...base, selected: 'cloud', candidates: candidates.filter((c) => c.model !== 'other'), detected: ['PERSON'] })).toEqual({ action: 'allow', model: 'local', changed: true });
  });

  it('falls back to default_model when allowed, else blocks with the selected model', () => {
    expect(planPii({ ...base, defaultModel: 'local', selected: 'cloud', candidates: [{ model: 'strict', score: 1 }], detected: ['US_SSN'] })).toEqual({ action: 'allow', model: 'local', changed: true });
    expect(planPii({ ...base, selected: 'cloud', candidates: [{ model: 'strict', score: 1 }], detected: ['US_SSN', 'EMAIL_ADDRESS'] })).toEqual({ action: 'block', model: 'cloud', denied: ['US_SSN'] });
  });

  it('never swaps an explicit model; redact-policy models are redacted in place', () => {
    expect(planPii({ ...base, routed: false, defaultModel: 'local', selected: 'cloud', candidates: [{ model: 'local', score: 1 }], detected: ['PERSON'] }).action).toBe('block');
    expect(planPii({ ...base, selected: 'masker', candidates: [{ model: 'local', score: 1 }], detected: ['PERSON', 'US_SSN'] })).toEqual({ action: 'redact', model: 'masker', denied: ['PERSON', 'US_SSN'], restore: true });
  });
});

describe('immediate responses (reference shape)', () => {
  const now = 1_760_000_000_123;

  it('jailbreak block: JSON', () => {
    const r = jailbreakBlockResponse({ type: 'jailbreak', confidence: 0.98765, stream: false, nowMs: now });
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/json');
    expect(r.headers).toEqual({ 'x-vsr-jailbreak-blocked': 'true', 'x-vsr-jailbreak-type': 'jailbreak', 'x-vsr-jailbreak-confidence': '0.988' });
    expect(r.reason).toBe('jailbreak_block');
    expect(JSON.parse(r.body)).toEqual({
      id: 'chatcmpl-jailbreak-blocked-1760000000',
      object: 'chat.completion',
      created: 1760000000,
      model: 'security-filter',
      choices: [{
        index: 0,
        message: {
          role: 'assistant',
          content: 'I cannot process this request as it appears to contain a potential jailbreak attempt (type: jailbreak, confidence: 0.988). Please rephrase your request in a way that complies with our usage policies.',
        },
        finish_reason: 'content_filter',
      }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  });

  it('PII block: SSE single chunk then [DONE]', () => {
    const r = piiBlockResponse({ model: 'cloud', types: ['EMAIL_ADDRESS', 'US_SSN'], stream: true, nowMs: now });
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('text/event-stream');
    expect(r.headers['x-vsr-pii-violation']).toBe('true');
    const events = r.body.split('\n\n').filter(Boolean);
    expect(events).toHaveLength(2);
    expect(events[1]).toBe('data: [DONE]');
    const chunk = JSON.parse(events[0].slice('data: '.length));
    expect(chunk).toEqual({
      id: 'chatcmpl-pii-violation-1760000000',
      object: 'chat.completion.chunk',
      created: 1760000000,
      model: 'cloud',
      choices: [{
        index: 0,
        delta: {
          role: 'assistant',
          content: "I cannot process this request as it contains personally identifiable information ([EMAIL_ADDRESS US_SSN]) that is not allowed for the 'cloud' model according to the configured privacy policy. Please remove any sensitive information and try again.",
        },
        finish_reason: 'content_filter',
      }],
    });
  });

  it('sanitises the type header', () => {
    const r = jailbreakBlockResponse({ type: 'jail\nbreak\u00e9', confidence: NaN, stream: false, nowMs: now });
    expect(r.headers['x-vsr-jailbreak-type']).toBe('jail_break_');
    expect(r.headers['x-vsr-jailbreak-confidence']).toBe('0.000');
  });
});
