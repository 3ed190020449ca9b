// Mutation audit, round 2: the classification API's options (src/api/classify-options.ts) that
// surviving mutants showed untested. A cut below 0 is refused as one above 1; entity_types must be
// strings, "all" in any case or spacing means every type, names are trimmed and read in any case,
// an alias gives the pack types it names that the pack has (LOCATION: GPE, STREET_ADDRESS, ZIP_CODE);
// sensitivity medium is the configured cut, high lowers it to at most 0.5, low raises it to at least
// 0.9, a level is read trimmed in any case, a number s is the cut 1 - s, and an empty string is unset.
import { describe, expect, it } from 'vitest';
import { intentOptions, piiOptions, securityOptions, taskOptions } from '../../src/api/classify-options.ts';

const KNOWN = ['EMAIL_ADDRESS', 'GPE', 'STREET_ADDRESS', 'ZIP_CODE', 'PERSON'];

/** The 400's message, or undefined when it does not throw. */
function refusal(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('confidence_threshold', () => {
  it('below 0 is refused, as above 1', () => {
    expect(refusal(() => intentOptions({ confidence_threshold: -0.1 }))).toBe('options.confidence_threshold must be a number from 0 to 1.');
    expect(refusal(() => piiOptions({ confidence_threshold: -1 }, KNOWN))).toBe('options.confidence_threshold must be a number from 0 to 1.');
    expect(intentOptions({ confidence_threshold: 0.4 }).confidence_threshold).toBe(0.4);
  });
});

describe('entity_types', () => {
  it('a list with a non-string is refused', () => {
    expect(refusal(() => piiOptions({ entity_types: ['EMAIL_ADDRESS', 1] }, KNOWN))).toBe('options.entity_types must be a list of strings.');
  });
  it('"all" in any case or spacing asks for every type', () => {
    expect(piiOptions({ entity_types: ['all'] }, KNOWN).entity_types).toBeUndefined();
    expect(piiOptions({ entity_types: ['EMAIL_ADDRESS', ' All '] }, KNOWN).entity_types).toBeUndefined();
  });
  it('names are trimmed and read in any case, the pack spelling its types in any case too', () => {
    expect(piiOptions({ entity_types: [' email_address ', 'Person'] }, KNOWN).entity_types).toEqual(['EMAIL_ADDRESS', 'PERSON']);
    expect(piiOptions({ entity_types: ['EMAIL_ADDRESS'] }, ['Email_Address']).entity_types).toEqual(['EMAIL_ADDRESS']);
  });
  it('an alias gives the pack types it names, only those the pack has', () => {
    expect(piiOptions({ entity_types: ['LOCATION'] }, KNOWN).entity_types).toEqual(['GPE', 'STREET_ADDRESS', 'ZIP_CODE']);
    expect(piiOptions({ entity_types: ['LOCATION'] }, ['GPE', 'PERSON']).entity_types).toEqual(['GPE']);
  });
});

describe('sensitivity', () => {
  it('medium is the configured cut; high lowers it to at most 0.5; low raises it to at least 0.9', () => {
    expect(securityOptions({ sensitivity: 'medium' }, 0.7).threshold).toBe(0.7);
    expect(securityOptions({ sensitivity: 'high' }, 0.7).threshold).toBe(0.5);
    expect(securityOptions({ sensitivity: 'high' }, 0.3).threshold).toBe(0.3);
    expect(securityOptions({ sensitivity: 'low' }, 0.7).threshold).toBe(0.9);
    expect(securityOptions({ sensitivity: 'low' }, 0.95).threshold).toBe(0.95);
    expect(securityOptions({ sensitivity: ' HIGH ' }, 0.7).threshold).toBe(0.5);
  });
  it('a number s is the cut 1 - s', () => {
    expect(securityOptions({ sensitivity: 0.8 }, 0.7).threshold).toBeCloseTo(0.2, 12);
    expect(securityOptions({ sensitivity: 0 }, 0.7).threshold).toBe(1);
  });
  it('an empty string is unset (the configured cut); a level is read trimmed, in any case', () => {
    expect(securityOptions({ sensitivity: '' }, 0.7).threshold).toBeUndefined();
    expect(securityOptions({ sensitivity: '\tLow ' }, 0.7).threshold).toBe(0.9);
  });
});

describe('taskOptions', () => {
  it("a task's own object wins over the flat keys; an array for it is refused", () => {
    expect(taskOptions({ confidence_threshold: 0.5, pii: { confidence_threshold: 0.9 } }, 'pii')).toEqual({ confidence_threshold: 0.9 });
    expect(taskOptions({ confidence_threshold: 0.5, pii: { confidence_threshold: 0.9 } }, 'intent')).toEqual({ confidence_threshold: 0.5 });
    expect(refusal(() => taskOptions({ security: [] }, 'security'))).toBe('options.security must be an object.');
  });
  it('detection_types are passed on', () => {
    expect(securityOptions({ detection_types: ['jailbreak'] }, 0.7).detection_types).toEqual(['jailbreak']);
  });
});
