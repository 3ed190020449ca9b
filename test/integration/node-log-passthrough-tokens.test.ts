// The request line of a passed-through request, through the Node runtime's real logger (pino with
// prompt redaction): README says each such request logs its path, requested_model, status and the
// tokens of the answer's usage. The line carries `method` and `path`, keys the chat line does not, so it
// went through the redacting path, whose `*.prompt` rule blanked tokens.prompt: `"prompt":"[redacted]"`
// where the prompt token count belongs. Real sockets, the bundled mock as the upstream.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { createNodeLogger } from '../../runtimes/node/logger.ts';
import { serveFetch } from '../../runtimes/node/serve.ts';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { EMPTY_CLASSIFIERS, testConfig } from './gateway-harness.ts';

const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

async function gateway() {
  const chunks: string[] = [];
  const destination = new Writable({ write: (c, _e, cb) => void (chunks.push(String(c)), cb()) });
  const mock = await startMockServer({});
  closers.push(() => mock.close());
  const config = testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }]);
  const logger = createNodeLogger(config, { destination });
  const deps = await buildNodeDeps(config, { classifiers: EMPTY_CLASSIFIERS, logger, metrics: createMetrics({ config }), noCache: true });
  const served = await serveFetch(createApp(deps).fetch, { port: 0 });
  closers.push(() => served.close(), () => deps.close());
  const requestLines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>)
      .filter((l) => l.event === 'request');
  return { url: served.url, requestLines };
}

describe('node logger: the request line of a passed-through request', () => {
  it('keeps the answer token counts as numbers (JSON and streamed)', async () => {
    const gw = await gateway();
    const post = (body: unknown) => fetch(`${gw.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await post({ model: 'qwen3', prompt: 'hello there' });
    expect(json.status).toBe(200);
    const usage = (await json.json()).usage;
    const streamed = await post({ model: 'qwen3', prompt: 'hello there', stream: true, stream_options: { include_usage: true } });
    await streamed.text();
    for (let i = 0; i < 50 && gw.requestLines().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const [first, second] = gw.requestLines();
    expect(first).toMatchObject({ path: '/v1/completions', requested_model: 'qwen3', status: 200, tokens: { prompt: usage.prompt_tokens, completion: usage.completion_tokens, total: usage.total_tokens } });
    expect(second).toMatchObject({ path: '/v1/completions', stream: true, status: 200 });
    expect(typeof second!.tokens?.prompt).toBe('number');
    expect(JSON.stringify(gw.requestLines())).not.toContain('[redacted]');
  });
});
