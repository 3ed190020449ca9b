// `n` on a passed-through completions stream (/v1/completions) read as vLLM reads it (issue #3;
// lax-values.ts): "2.0", "+2", "1_0" or true are integers to vLLM's pydantic, so vLLM streams that
// many choices. The gateway's finish tracking read only a number or a plain digit string, so with
// n "2.0" a stream that ended cleanly (no [DONE]) after choice 0's finish passed for whole and the
// client never learnt that choice 1 was cut. Raw SSE upstream, bytes as chosen.
import { describe, expect, it } from 'vitest';
import type { Gateway } from './gateway-harness.ts';
import type { RawUpstream } from './helpers/raw-sse-upstream.ts';
import { useRawSseGateway } from './helpers/raw-sse-gateway.ts';

let up: RawUpstream;
let gw: Gateway;
useRawSseGateway({}, (rig) => ({ up, gw } = rig));

const text = (index: number, t: string, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'text_completion', created: 1, model: 'm', choices: [{ index, text: t, finish_reason: finish }] })}\n\n`;
const post = async (n: unknown) => {
  const res = await fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'qwen3', prompt: 'hi', n, stream: true }) });
  return (await res.text()).split('\n\n').filter((e) => e.trim());
};

describe('a completions stream cut after choice 0 finished, choice 1 not: the cut is told', () => {
  for (const n of ['2.0', '+2', ' 2 ', 2]) {
    it(`n ${JSON.stringify(n)}`, async () => {
      up.script = () => ({ pieces: [text(0, 'A'), text(1, 'B'), text(0, 'a', 'stop')], end: 'close-delimited' });
      const events = await post(n);
      expect(events).toHaveLength(4);
      expect(JSON.parse(events[3]!.slice(6)).error.code).toBe('upstream_stream_cut');
    });
  }
});
