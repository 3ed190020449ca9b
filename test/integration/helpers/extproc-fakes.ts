// Stand-ins for the ext_proc protocol tests (extproc-protocol, extproc-response): a recording pipeline
// whose outcome each test scripts, minimal deps, and a forward outcome as the real pipeline gives it.
import { configSchema } from '../../../src/config/schema.ts';
import type { AppDeps } from '../../../src/deps.ts';
import type { ResponseTap } from '../../../src/pipeline/context.ts';
import type { ChatInput, ChatOutcome, ExtProcPipeline } from '../../../runtimes/node/extproc/port.ts';

export const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-request-id': 'req-1' };
export const enc = new TextEncoder();

export interface Script {
  outcome: (input: ChatInput) => ChatOutcome | Promise<ChatOutcome>;
}

export function fakeDeps(extra: Record<string, unknown> = {}): AppDeps & { logs: string[] } {
  const logs: string[] = [];
  const line = (obj: object, msg?: string) => void logs.push(JSON.stringify({ ...obj, msg }));
  return {
    config: configSchema.parse({ default_model: 'qwen3', ...extra }),
    classifiers: {} as AppDeps['classifiers'],
    upstream: { send: () => Promise.reject(new Error('ext_proc never forwards')) },
    metrics: { inc() {}, observe() {}, set() {}, render: () => '' },
    logger: { debug: line, info: line, warn: line, error: line },
    clock: { now: () => performance.now(), wallMs: () => Date.now() },
    runtime: { name: 'node' },
    logs,
  };
}

export function recordingPipeline(script: Script): ExtProcPipeline & { calls: ChatInput[] } {
  const calls: ChatInput[] = [];
  return {
    calls,
    chat: async (input) => {
      calls.push(input);
      return script.outcome(input);
    },
    models: () => ({ status: 200, headers: {}, contentType: 'application/json', body: '{"object":"list","data":[{"id":"MoM"}]}', reason: 'models' }),
  };
}

export function forward(body: unknown, taps: ResponseTap[] = []): ChatOutcome {
  return {
    kind: 'forward',
    body: enc.encode(JSON.stringify(body)),
    model: 'qwen3-math',
    endpoint: '10.0.0.7:8000',
    requestId: 'req-1',
    responseHeaders: { 'x-vsr-selected-model': 'qwen3-math', 'x-vsr-selected-category': 'math', 'x-request-id': 'req-1' },
    taps,
  };
}
