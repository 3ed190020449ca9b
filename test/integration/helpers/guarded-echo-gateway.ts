// The encoded-injection tests' set-up (guard-hidden-mut4, guard-hidden-nested): for the file's tests,
// the echo gateway with the prompt guard on at 0.7, and the call that says what the guard did with one
// user text. Registers beforeAll/afterAll in the scope it is called from.
import { afterAll, beforeAll } from 'vitest';
import { guardChat, startEchoGateway, type EchoGateway } from './echo-gateway.ts';

/** guardChat's answer when the guard blocked the text (its own 200 answer, nothing upstream) and when it let it through. */
export const BLOCKED = { status: 200, blocked: 'true', forwarded: false };
export const FORWARDED = { status: 200, blocked: null, forwarded: true };

export function useGuardedEchoGateway(): { chat: (content: string) => ReturnType<typeof guardChat>; gateway: () => EchoGateway } {
  let g: EchoGateway | undefined;
  beforeAll(async () => {
    g = await startEchoGateway({ prompt_guard: { enabled: true, threshold: 0.7 } });
  }, 120_000);
  afterAll(() => g?.close());
  const gateway = () => {
    if (!g) throw new Error('the guarded echo gateway did not start');
    return g;
  };
  return { chat: (content) => guardChat(gateway(), content), gateway };
}
