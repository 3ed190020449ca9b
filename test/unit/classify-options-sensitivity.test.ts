// A whitespace-only sensitivity is a level nobody knows: refused with the levels it may be, as "bogus" is
// (it fell to the number branch: "must be a number from 0 to 1"); "" stays unset (the Go zero value).
import { describe, expect, it } from 'vitest';
import { securityOptions } from '../../src/api/classify-options.ts';

const message = (v: unknown) => {
  try {
    securityOptions({ sensitivity: v }, 0.7);
    return 'accepted';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('sensitivity refusals', () => {
  it('whitespace gets the levels message, as an unknown word does', () => {
    expect(message('   ')).toContain('"low", "medium", "high"');
    expect(message('bogus')).toContain('"low", "medium", "high"');
  });
  it('"" is unset; a number out of range gets the number message', () => {
    expect(message('')).toBe('accepted');
    expect(securityOptions({ sensitivity: '' }, 0.7).threshold).toBeUndefined();
    expect(message(2)).toContain('number from 0 to 1');
  });
});
