// wasResent looks for a runtime's re-send mark on an error and along its `cause` chain. A chain that
// loops (an error whose cause is itself, or a cycle through two) must end with false, not overflow the
// stack inside the forwarder's catch.
import { describe, expect, it } from 'vitest';
import { markResent, wasResent } from '../../src/upstream/send-failover.ts';

describe('wasResent', () => {
  it('finds a mark on the error or its cause', () => {
    expect(wasResent(markResent(new Error('a')))).toBe(true);
    expect(wasResent(new Error('b', { cause: markResent(new Error('c')) }))).toBe(true);
    expect(wasResent(new Error('d', { cause: new Error('e') }))).toBe(false);
    expect(wasResent(undefined)).toBe(false);
  });

  it('ends on a cyclic cause chain', () => {
    const self = new Error('self') as Error & { cause?: unknown };
    self.cause = self;
    expect(wasResent(self)).toBe(false);
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(wasResent(a)).toBe(false);
  });
});
