// A rewriting watch (PII restore) holds the one unfinished SSE event whole, so an upstream that never
// ends an event (broken or hostile) grew the gateway's memory for as long as it sent. Past
// MAX_HELD_EVENT_CHARS the gateway now sends what it held as it came and passes the rest untouched:
// real gateway, real PII pack, upstream on a real socket that keeps the event open until the client
// has its bytes.
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClassifiers } from './gateway-harness.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';
import { MAX_HELD_EVENT_CHARS } from '../../src/upstream/sse-events.ts';

let up: ScriptedUpstream;
beforeAll(async () => {
  up = await startScriptedUpstream(
    {},
    {
      classifiers: await realClassifiers(),
      config: { default_model: 'A', model_config: { A: { pii_policy: { allow_by_default: false, action: 'redact', restore: true } } } },
    },
  );
}, 120_000);
afterAll(() => up?.close());

const chunkOf = (content: string) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'A', choices: [{ index: 0, delta: { content }, finish_reason: null }] });

/** Writes `bytes` in 64 KiB pieces (cut anywhere, inside characters too), minding backpressure. */
async function writeAll(res: http.ServerResponse, bytes: Buffer): Promise<void> {
  for (let i = 0; i < bytes.length; i += 65536) {
    if (!res.write(bytes.subarray(i, i + 65536))) await new Promise((r) => res.once('drain', r));
  }
}

describe('a rewriting SSE watch bounds the unfinished event it holds', () => {
  it('an endless event: the held part goes out as it came and the rest untouched, while the upstream still sends', async () => {
    // The restore tap restores the first placeholder and holds back the start of the second.
    const first = `data: ${JSON.stringify(chunkOf('Write to <EMAIL_ADDRESS_1> or <EMAIL_ADD'))}\n\n`;
    const unit = 'lorem é ipsum <EMAIL_ADDRESS_1> 日本 dolor ';
    const open = `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"`;
    // Past the bound before the upstream waits; then the event ends and the answer with it.
    const before = Buffer.from(open + unit.repeat(Math.ceil((MAX_HELD_EVENT_CHARS + 262144) / unit.length)));
    const after = Buffer.from(`${unit}"},"finish_reason":"stop"}]}\n\n${first}data: [DONE]\n\n`);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      void (async () => {
        res.write(first);
        await writeAll(res, before);
        await released;
        await writeAll(res, after);
        res.end();
      })();
    };

    const res = await fetch(`${up.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'A', stream: true, messages: [{ role: 'user', content: 'Mail jane.doe@example.com please.' }] }),
    });
    expect(res.status).toBe(200);
    // The client must get the held event's bytes while the upstream still holds it open; the old
    // watch sent nothing of it until its blank line, so a timer lets the upstream go on after 20 s.
    let byTimer = false;
    const timer = setTimeout(() => {
      byTimer = true;
      release();
    }, 20_000);
    const got: Buffer[] = [];
    let size = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      got.push(Buffer.from(r.value));
      size += r.value.byteLength;
      if (size > before.length) release();
    }
    clearTimeout(timer);
    expect(byTimer).toBe(false);

    // Byte for byte what the upstream sent after its first event, placeholders unrestored.
    const body = Buffer.concat(got);
    const rest = Buffer.concat([before, after]);
    expect(body.subarray(body.length - rest.length).equals(rest)).toBe(true);
    // Before it, the first event restored and then what the tap held back, in order.
    const head = body.subarray(0, body.length - rest.length).toString('utf8');
    const events = head.split('\n\n').filter((e) => e.trim());
    const content = events.map((e) => JSON.parse(e.slice(6)).choices[0].delta.content).join('');
    expect(content).toBe('Write to jane.doe@example.com or <EMAIL_ADD');
    expect(head.endsWith('\n\n')).toBe(true);

    // Counted and logged once, without content.
    expect(up.gw.metrics.render()).toContain('llm_stream_rewrite_stopped_total{reason="event_too_large"} 1');
    const warns = up.gw.logs.lines.filter((l) => l.level === 'warn' && l.msg?.includes('rewrite bound'));
    expect(warns).toHaveLength(1);
    expect(JSON.stringify(warns)).not.toMatch(/lorem|jane|EMAIL/);
  }, 90_000);
});
