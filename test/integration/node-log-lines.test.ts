// The log stream as an operator's shipper reads it (Loki, Elasticsearch, Datadog): a real process with
// tracing on (stdout span lines) and an ext_proc port, a few requests through it; every stdout line must
// be one JSON object with no key twice (Elasticsearch refuses such a document, others keep either
// value), one request line per request naming its trace, and no credential the client sent.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

/** Top-level keys of one JSON object text, in order, duplicates kept (JSON.parse keeps only the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (ch === '{' || ch === '[') {
      depth++;
      expectKey = ch === '{' && depth === 1;
    } else if (ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

describe('log lines of a running process', () => {
  it('are JSON objects without a repeated key, one request line per request, no client credential', async () => {
    const c = fx.configDir('semroute-log-lines-');
    writeFileSync(
      c.file,
      `${c.base}observability: { tracing: { enabled: true, exporter: { type: stdout }, resource: { service_name: semroute-test } } }\n`,
    );
    const gw = await startGatewayProcess(c.file, ['--extproc-port', '0'], fx.procs);
    const secret = 'sk-live-5f3a9c0e7b2d4c61';
    const ids: string[] = [];
    for (const [i, extra] of ([{}, { 'x-mock-status': '503' }, {}] as Record<string, string>[]).entries()) {
      const id = `log-lines-${i}`;
      ids.push(id);
      const res = await fetch(`${gw.base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'x-api-key': secret, 'x-request-id': id, ...extra },
        body: JSON.stringify({ model: 'qwen3', stream: i === 2, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.text();
    }
    await gw.waitFor(/"request_id":"log-lines-2"[^\n]*"msg":"request"/);
    const lines = gw.out().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const keys = topLevelKeys(line);
      expect(new Set(keys).size, line).toBe(keys.length);
      expect(line).not.toContain(secret);
    }
    expect(lines.some((l) => l.includes('"tracing enabled"'))).toBe(true);
    for (const id of ids) {
      const mine = lines.filter((l) => l.includes(`"request_id":"${id}"`) && l.includes('"event":"request"'));
      expect(mine, id).toHaveLength(1);
      // Tracing is on: the line names its trace (a stream's too, logged when the stream ends), and that
      // trace is the one of the request's span.
      const traceId = (JSON.parse(mine[0]!) as { trace_id?: string }).trace_id;
      expect(traceId, id).toMatch(/^[0-9a-f]{32}$/);
      expect(lines.some((l) => l.includes('"event":"span"') && l.includes(`"request.id":"${id}"`) && l.includes(`"trace_id":"${traceId}"`)), id).toBe(true);
    }
  }, 60_000);
});
