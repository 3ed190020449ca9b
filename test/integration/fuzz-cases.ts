// The bad-input fuzz's cases, shared by the Node (test/integration/fuzz-bad-input.test.ts) and
// workerd (test/worker/fuzz-bad-input.test.ts) runs: valid requests to every route, one seeded
// mutation each, and the oracle that judges an answer. Portable: no node:* and no Buffer.
import { CONTENT_ENCODINGS, CONTENT_TYPES, METHODS, mutateBytes, mutateJson, pick, type Rand } from './fuzz-mutate.ts';

// Markers for the log oracle: personal data a mutation may move anywhere in the body.
export const EMAIL = 'zoe.fuzzmark@example.com';
export const PHONE = '415-555-0199';
const PII = `Please write to ${EMAIL} or call ${PHONE} about the invoice.`;

const msgs = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: [{ type: 'text', text: PII }] },
  { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
  { role: 'tool', tool_call_id: 'c1', content: 'found' },
  { role: 'user', content: 'What is 2+2?' },
];
const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];

/** [path, valid body]: every route that reads a JSON body. */
export const SEEDS: Array<[string, unknown]> = [
  ['/v1/chat/completions', { model: 'qwen3', messages: msgs, tools, temperature: 0.2, max_tokens: 16, n: 1, seed: 7 }],
  ['/v1/chat/completions', { model: 'MoM', messages: msgs, stream: true, stream_options: { include_usage: true } }],
  ['/v1/chat/completions', { model: 'gpt-oss-20b', messages: [{ role: 'user', content: PII }], reasoning_effort: 'low' }],
  ['/v1/chat/completions', { model: 'deepseek-v3', messages: [{ role: 'user', content: PII }], stream: true }],
  ['/v1/completions', { model: 'qwen3', prompt: PII, max_tokens: 8, stream: false }],
  ['/v1/completions', { model: 'gpt-oss-20b', prompt: [PII, 'second'], stream: true }],
  ['/v1/responses', { model: 'qwen3', input: [{ role: 'user', content: [{ type: 'input_text', text: PII }] }], instructions: 'be brief' }],
  ['/v1/messages', { model: 'gpt-oss-20b', max_tokens: 32, system: 'terse', messages: [{ role: 'user', content: [{ type: 'text', text: PII }] }] }],
  ['/v1/embeddings', { model: 'deepseek-v3', input: [PII, 'plain text'], encoding_format: 'float' }],
  ['/tokenize', { model: 'qwen3', prompt: PII }],
  ['/v1/rerank', { model: 'qwen3', query: PII, documents: ['a', 'b'] }],
  ['/api/v1/classify/intent', { text: PII, options: { return_probabilities: true } }],
  ['/api/v1/classify/intent', { messages: [{ role: 'user', content: PII }] }],
  ['/api/v1/classify/pii', { text: PII, options: { confidence_threshold: 0.5 } }],
  ['/api/v1/classify/security', { text: PII }],
  ['/api/v1/classify/combined', { text: PII, tasks: ['intent', 'pii', 'security'] }],
  ['/api/v1/classify/batch', { texts: [PII, 'What is 2+2?'], task_type: 'all' }],
];
export const GETS = ['/v1/models', '/v1/models/qwen3', '/v1/models/MoM', '/v1/models/%00', '/v1/models/a%2Fb', '/info/models', '/info/classifier', '/api/v1', '/ready', '/openapi.json', '/docs', '/metrics/classification', '/config/classification', '/version', '/nope', '/v1/chat/completions/x', '/v1//chat/completions', '/%ff', '/v1/models/' + 'x'.repeat(4000)];

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FuzzCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  what: string;
}

const enc = new TextEncoder();
const STACK = /\n\s+at |\bat .+\.[jt]s:\d+|node_modules|\/work\/|file:\/\/|\.ts:\d+/;

const parses = (s: string) => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};

/** What the oracle found wrong with one answer ('' when nothing). */
export function judge(method: string, a: Answer): string {
  // (Only errors: /info/models names its packs' folders on purpose, as the reference's model_path.)
  if (a.status >= 400 && STACK.test(a.body)) return `stack trace or path in the body: ${a.body.slice(0, 300)}`;
  if (String(a.headers['content-type']).startsWith('text/event-stream')) {
    const bad = a.body.split('\n').find((l) => l.startsWith('data:') && l.slice(5).trim() !== '[DONE]' && !parses(l.slice(5)));
    if (bad) return `an SSE data line that is not JSON: ${bad.slice(0, 200)}`;
  }
  if (String(a.headers['content-type']).includes('json') && method !== 'HEAD' && !parses(a.body)) return `a JSON answer that does not parse: ${a.body.slice(0, 200)}`;
  if (a.status >= 500 && ![501, 502, 503, 504].includes(a.status)) return `status ${a.status}: ${a.body.slice(0, 300)}`;
  if (a.status < 400 || method === 'HEAD') return '';
  let err: any;
  try {
    err = JSON.parse(a.body).error;
  } catch {
    return `error body is not JSON (${a.headers['content-type']}): ${a.body.slice(0, 200)}`;
  }
  if (!String(a.headers['content-type']).includes('json')) return `error content-type ${a.headers['content-type']}`;
  if (!err || typeof err.message !== 'string' || typeof err.type !== 'string' || !('code' in err)) return `error not OpenAI-shaped: ${a.body.slice(0, 200)}`;
  // An error message quoting the request's text carries its personal data wherever errors go.
  if (a.body.includes('fuzzmark') || a.body.includes('555-0199')) return `the error quotes the body's PII: ${a.body.slice(0, 300)}`;
  return '';
}

/** One mutated request for case `i`: the route, method, headers, body and what was done. */
export function fuzzCase(r: Rand): FuzzCase {
  const roll = r();
  if (roll < 0.06) {
    const path = pick(r, GETS);
    return { method: pick(r, METHODS), path, headers: { 'x-request-id': 'fuzz' }, what: `${path}` };
  }
  const [path, valid] = pick(r, SEEDS);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  let body: Uint8Array;
  let what: string;
  if (roll < 0.7) {
    const m = mutateJson(valid, r);
    body = enc.encode(m.text);
    what = m.what;
  } else if (roll < 0.85) {
    const m = mutateBytes(JSON.stringify(valid), r);
    body = m.body;
    what = m.what;
  } else {
    body = enc.encode(JSON.stringify(valid));
    const h = pick(r, ['content-type', 'content-encoding', 'method', 'request-id', 'accept']);
    what = `header ${h}`;
    if (h === 'content-type') headers['content-type'] = pick(r, CONTENT_TYPES);
    if (h === 'content-encoding') headers['content-encoding'] = pick(r, CONTENT_ENCODINGS);
    if (h === 'request-id') headers['x-request-id'] = pick(r, ['', ' ', 'a b', '"><script>', 'é', 'x'.repeat(200), '../../etc/passwd']);
    if (h === 'accept') headers.accept = pick(r, ['text/event-stream', 'text/html', '*/*;q=0', 'application/xml']);
    if (h === 'method') return { method: pick(r, METHODS), path, headers, body, what: `${what} ${path}` };
    if (headers['content-type'] === '') delete headers['content-type'];
    what += `=${headers[h] ?? ''}`;
  }
  return { method: 'POST', path, headers, body, what: `${path} ${what}` };
}

