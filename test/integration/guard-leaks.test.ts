// No leaks: drive personal data through every door of a real semroute process (gateway allow /
// block / redact / stream, auto routing, jailbreak block, the classification API, error paths, a
// session header, ext_proc with Envoy played over gRPC: redact + restore of JSON and STREAMED SSE
// answers, the cache's recording of a streamed answer) with debug logs and stdout tracing on, then
// grep everything the process wrote (stdout, stderr) and its /metrics for the values.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { REPO } from './gateway-harness.ts';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { EnvoyClient, requestBody, requestHeaders, responseBody, responseHeaders } from './helpers/envoy-client.ts';

// Distinctive values, so a hit in the output can only come from this test.
const V = {
  email: 'zq.canary.7731@leakcheck.example',
  ssn: '219-09-9999',
  card: '4111 1111 1111 1111',
  iban: 'DE89370400440532013000',
  phone: '+1 415 555 0199',
  ip: '203.0.113.77',
  name: 'Zebulon Quixlethwaite',
};
const PROMPT = `Hi, I am ${V.name}. Mail ${V.email}, SSN ${V.ssn}, card ${V.card}, IBAN ${V.iban}, phone ${V.phone}, host ${V.ip}.`;
const DENY = { allow_by_default: false, pii_types_allowed: [] };
const DAN: string = JSON.parse(readFileSync(join(REPO, '../shared/vsr-testdata/jailbreak_detection_cases.json'), 'utf8'))[0].question;

let mock: MockServer;
let proc: ChildProcess;
let out = '';
let err = '';
let base = '';
let extPort = 0;

beforeAll(async () => {
  mock = await startMockServer();
  const dir = mkdtempSync(join(tmpdir(), 'semroute-leaks-'));
  const config = {
    default_model: 'qwen3',
    vllm_endpoints: [{ name: 'production-stack', address: '127.0.0.1', port: mock.port, weight: 1 }],
    model_config: {
      qwen3: {},
      'gpt-oss-20b': { pii_policy: DENY },
      'deepseek-v3': { pii_policy: { ...DENY, action: 'redact', restore: true } },
    },
    categories: [{ name: 'other', model_scores: [{ model: 'qwen3', score: 1, use_reasoning: false }] }],
    prompt_guard: { enabled: true, threshold: 0.7 },
    semantic_cache: { enabled: true, similarity_threshold: 0.8 },
    classifier: { pii_model: { threshold: 0.7 } },
    observability: { logging: { level: 'debug' }, tracing: { enabled: true, exporter: { type: 'stdout' } } },
    extproc: { enabled: true, host: '127.0.0.1', port: 0 },
    packs: { dir: join(REPO, 'models'), category: 'domain', jailbreak: 'jailbreak', pii: 'pii', embedding: 'embedding', extra: ['intent'] },
  };
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'runtimes/node/main.ts'), '--config', file, '--port', '0', '--host', '127.0.0.1', '--device', 'cpu'], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const deadline = Date.now() + 90_000;
  while (!base) {
    const m = /"port":(\d+)[^\n]*semroute listening|semroute listening[^\n]*"port":(\d+)/.exec(out);
    if (m) base = `http://127.0.0.1:${m[1] ?? m[2]}`;
    else if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`semroute did not start: ${err.slice(-2000)}`);
    else await new Promise((r) => setTimeout(r, 100));
  }
  while (!extPort) {
    const m = /"port":(\d+)[^\n]*ext_proc listening/.exec(out);
    if (m) extPort = Number(m[1]);
    else if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`ext_proc did not start: ${err.slice(-2000)}`);
    else await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  await mock?.close();
});

const client = () => new OpenAI({ baseURL: `${base}/v1`, apiKey: 'k', maxRetries: 0 });
const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (r) => ({ status: r.status, text: await r.text(), headers: r.headers }));

async function drain(stream: AsyncIterable<unknown>) {
  for await (const _ of stream) void _;
}

describe('PII never reaches logs, traces or metrics', () => {
  it('drives PII through every door', async () => {
    const c = client();
    const user = [{ role: 'user' as const, content: PROMPT }];
    // gateway: allowed (forwarded), blocked, redacted+restored, each JSON and SSE; auto routing; session header
    const allowed = await c.chat.completions.create({ model: 'qwen3', messages: user }, { headers: { 'x-user-id': V.email } });
    expect(allowed.choices[0].finish_reason).toBe('stop');
    await drain(await c.chat.completions.create({ model: 'qwen3', messages: user, stream: true }));
    const blocked = await c.chat.completions.create({ model: 'gpt-oss-20b', messages: user }).withResponse();
    expect(blocked.response.headers.get('x-vsr-pii-violation')).toBe('true');
    await drain(await c.chat.completions.create({ model: 'gpt-oss-20b', messages: user, stream: true }));
    const red = await c.chat.completions.create({ model: 'deepseek-v3', messages: [{ role: 'system', content: `Contact ${V.email}` }, ...user] }).withResponse();
    expect(red.response.headers.get('x-vsr-pii-redacted')).toContain('EMAIL_ADDRESS');
    expect(JSON.stringify(mock.mock.requests.at(-1)!.body)).not.toContain(V.email);
    await drain(await c.chat.completions.create({ model: 'deepseek-v3', messages: user, stream: true }));
    // The fields outside the messages the PII policy reads (tool definitions, schemas, prediction).
    const fields = {
      tools: [{ type: 'function', function: { name: 'mail', description: PROMPT, parameters: { type: 'object', properties: { to: { type: 'string', enum: [V.email] } } } } }],
      response_format: { type: 'json_schema', json_schema: { name: 's', description: PROMPT, schema: { type: 'object' } } },
      prediction: { type: 'content', content: PROMPT },
    };
    const redFields = await c.chat.completions.create({ model: 'deepseek-v3', messages: [{ role: 'user', content: 'Hello.' }], ...fields } as never).withResponse();
    expect(redFields.response.headers.get('x-vsr-pii-redacted')).toContain('EMAIL_ADDRESS');
    expect(JSON.stringify(mock.mock.requests.at(-1)!.body)).not.toContain(V.email);
    await c.chat.completions.create({ model: 'gpt-oss-20b', messages: [{ role: 'user', content: 'Hello.' }], ...fields } as never);
    await c.chat.completions.create({ model: 'MoM', messages: user });
    await c.chat.completions.create({ model: 'MoM', messages: user }); // cache lookup path
    // jailbreak block carrying PII
    const jb = await c.chat.completions
      .create({ model: 'qwen3', messages: [{ role: 'user', content: `${DAN} ${PROMPT}` }] })
      .withResponse();
    expect(jb.response.headers.get('x-vsr-jailbreak-blocked')).toBe('true');

    // classification API
    const pii = await post('/api/v1/classify/pii', JSON.stringify({ text: PROMPT, options: { mask_entities: true, return_positions: true } }));
    expect(pii.status).toBe(200);
    const piiBody = JSON.parse(pii.text);
    expect(piiBody.has_pii).toBe(true);
    expect(piiBody.masked_text).not.toContain(V.email);
    expect((await post('/api/v1/classify/security', JSON.stringify({ text: PROMPT, options: { include_reasoning: true } }))).status).toBe(200);
    await post('/api/v1/classify/intent', JSON.stringify({ text: PROMPT }));
    await post('/api/v1/classify/combined', JSON.stringify({ text: PROMPT, tasks: ['intent', 'pii', 'security'] }));
    await post('/api/v1/classify/batch', JSON.stringify({ texts: [PROMPT, PROMPT], task_type: 'pii' }));
    await post('/api/v1/classify/batch', JSON.stringify({ texts: [PROMPT], task_type: V.email }));

    // error paths: broken JSON, wrong shapes, unknown model, oversized and wrong-typed fields
    const broken = `{"model":"qwen3","messages":[{"role":"user","content":"${V.email} ${V.ssn}"`;
    expect((await post('/v1/chat/completions', broken)).status).toBe(400);
    expect((await post('/v1/chat/completions', JSON.stringify({ model: 'qwen3', messages: PROMPT }))).status).toBe(400);
    expect((await post('/v1/chat/completions', JSON.stringify({ model: 'qwen3', messages: [{ role: V.email, content: PROMPT }] }))).status).toBeGreaterThanOrEqual(200);
    expect((await post('/v1/chat/completions', JSON.stringify({ model: V.email, messages: user }))).status).toBeGreaterThanOrEqual(400);
    expect((await post('/v1/chat/completions', JSON.stringify({ model: 'qwen3', messages: user, temperature: V.ssn }))).status).toBeGreaterThanOrEqual(200);
    await post('/api/v1/classify/pii', `{"text":"${V.email}`);
    await post('/api/v1/classify/pii', JSON.stringify({ text: [V.email] }));
    await post('/api/v1/classify/security', JSON.stringify({ text: PROMPT, options: { sensitivity: V.ssn } }));
    await post('/v1/chat/completions', JSON.stringify({ model: 'qwen3', messages: user }), { 'x-mock-status': '500' });
    await fetch(`${base}/v1/${encodeURIComponent(V.email)}`).then((r) => r.text());
  });

  it('drives PII through ext_proc: redact + restore of JSON and STREAMED SSE answers, a streamed answer the cache records', async () => {
    const envoy = new EnvoyClient(`127.0.0.1:${extPort}`);
    const CHAT = { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', 'x-user-id': V.email };
    const ev = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    try {
      // Questions the gateway part did not ask, so the cache misses and records the streamed answer.
      const other = [`Write a haiku about autumn leaves for ${V.name} (${V.email}).`, `Explain TCP slow start to ${V.name}, reachable at ${V.email} or ${V.phone}.`];
      const cases = [['deepseek-v3', true, PROMPT], ['deepseek-v3', false, PROMPT], ['qwen3', true, other[0]], ['MoM', true, other[1]]] as const;
      for (const [model, stream, prompt] of cases) {
        const s = envoy.open();
        await s.send(requestHeaders(CHAT));
        const rb = await s.send(requestBody(JSON.stringify({ model, stream, messages: [{ role: 'user', content: prompt }] })));
        expect(rb.response, model).toBe('request_body');
        const m = rb.request_body?.response?.body_mutation?.body;
        // What the model read: masked for the redacting model, the user's text otherwise; the answer echoes it.
        const read: string = m ? JSON.parse(Buffer.from(m).toString()).messages.at(-1).content : prompt;
        if (model === 'deepseek-v3') expect(read).not.toContain(V.email);
        let sent = '';
        if (stream) {
          const rh = await s.send(responseHeaders({ ':status': '200', 'content-type': 'text/event-stream' }));
          // Read by the restore tap (deepseek-v3) or recorded for the cache (qwen3, MoM -> qwen3).
          expect(rh.mode_override?.response_body_mode, model).toBe('STREAMED');
          const sse = ev({ role: 'assistant', content: '' }) + ev({ content: read.slice(0, 40) }) + ev({ content: read.slice(40) }) + ev({ refusal: read }) + ev({}, 'stop') + 'data: [DONE]\n\n';
          for (let at = 0; at < sse.length; at += 37) {
            const r = await s.send(responseBody(sse.slice(at, at + 37), at + 37 >= sse.length));
            const b = r.response_body?.response?.body_mutation;
            sent += b?.body?.length ? Buffer.from(b.body).toString() : b?.clear_body ? '' : sse.slice(at, at + 37);
          }
        } else {
          await s.send(responseHeaders({ ':status': '200', 'content-type': 'application/json' }));
          const answer = JSON.stringify({ id: 'c', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: read, refusal: read }, finish_reason: 'stop' }] });
          const r = await s.send(responseBody(answer));
          const b = r.response_body?.response?.body_mutation?.body;
          sent = b?.length ? Buffer.from(b).toString() : answer;
        }
        s.end();
        // The client reads the values back (restored, or never masked): only the process's output must not.
        expect(JSON.parse(JSON.stringify(sent)), `${model} ${stream ? 'SSE' : 'JSON'}`).toContain(V.email);
      }
    } finally {
      envoy.close();
    }
  });

  it('none of the values appear in stdout, stderr or /metrics', async () => {
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    expect(metrics).toContain('llm_pii_violations_total');
    expect(metrics).toContain('pii_type="EMAIL_ADDRESS"');
    await new Promise((r) => setTimeout(r, 300)); // let log lines and spans flush
    // the process did write request logs and spans, so the grep has something to look at
    expect(out.split('\n').filter((l) => l.includes('"request"')).length).toBeGreaterThan(10);
    expect(out.length).toBeGreaterThan(5_000);
    const leaks = findLeaks({ stdout: out, stderr: err, metrics });
    console.log(`[guard] leak check: ${out.length} bytes stdout, ${err.length} bytes stderr, ${metrics.length} bytes /metrics; ${leaks.length} leaks`);
    for (const l of leaks) console.log(`[guard] LEAK ${l}`);
    expect(leaks).toEqual([]);
  });

  // Was a known leak (explicit model names are client text and went raw to spans and the request
  // log); the gateway now writes them through modelLabel(), so an unknown name appears as "other".
  it('no raw client model name in spans or the request log', () => {
    const leaks = findLeaks({ stdout: out, stderr: err });
    expect(leaks.filter((l) => l.includes('model":"zq.canary'))).toEqual([]);
  });
});

function findLeaks(everything: Record<string, string>): string[] {
  const leaks: string[] = [];
  for (const [where, text] of Object.entries(everything)) {
    for (const [kind, value] of Object.entries(V)) {
      for (const form of new Set([value, value.replace(/\s/g, ''), JSON.stringify(value).slice(1, -1)])) {
        let at = text.indexOf(form);
        while (at >= 0) {
          leaks.push(`${kind} in ${where}: …${text.slice(Math.max(0, at - 160), at + form.length + 40).replace(/\n/g, '⏎')}…`);
          at = text.indexOf(form, at + 1);
        }
      }
    }
  }
  return leaks;
}
