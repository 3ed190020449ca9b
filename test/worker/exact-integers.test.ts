// The Worker parses and re-serialises chat bodies with the same shared code as Node (src/pipeline/
// request.ts, exact-integers.ts): an integer beyond 2^53 (a 64-bit seed) must reach the upstream as
// the client wrote it there too, not refused (400 invalid_number) nor rounded. The mock echoes the
// body it received (x-mock-echo: body).
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

const post = (body: string) =>
  SELF.fetch('https://semroute.test/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'x-mock-echo': 'body' }, body });

describe('integers beyond 2^53 in workerd', () => {
  it.each(['qwen3', 'MoM'])('model %s: seed and vendor fields reach the upstream as written', async (model) => {
    const res = await post(`{"model":"${model}","messages":[{"role":"user","content":"hi 12345678901234567890"}],"seed":9223372036854775807,"x_vendor":[-9223372036854775808,1e20]}`);
    expect(res.status).toBe(200);
    const got = ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
    expect(got).toContain('"seed":9223372036854775807');
    expect(got).toContain('"x_vendor":[-9223372036854775808,1e20]');
    expect(got).toContain('hi 12345678901234567890');
  });

  it('a non-finite number is still refused', async () => {
    const res = await post('{"model":"qwen3","messages":[{"role":"user","content":"hi"}],"temperature":1e400}');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_number');
  });
});
