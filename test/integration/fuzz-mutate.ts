// Seeded mutations of valid requests for the bad-input fuzz (fuzz-*.test.ts): structural ones (a
// value of the wrong type at any JSON path, deep nesting, odd numbers and strings, duplicate and
// unknown keys) and byte-level ones (truncation, BOM, bytes that are not UTF-8). Deterministic for a
// seed, so a failure names the case that reproduces it.

// The training's seeded PRNG (mulberry32): the same sequence on every platform for a seed.
export { rng } from '../../models/train/rng.ts';

export type Rand = () => number;
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

// Number literals JSON.stringify cannot write: put in as a marker string, spliced in raw afterwards.
const RAW_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890', '-0', '1e-400', '9007199254740993', '-9007199254740993', '0.1e1', '1E2', '-1'];
const RAW = (lit: string) => `@@RAW:${lit}@@`;

function oddValue(r: Rand): unknown {
  return pick(r, [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 1.5,
    () => Number.MAX_SAFE_INTEGER,
    () => -1e308,
    () => 1e308,
    () => RAW(pick(r, RAW_NUMBERS)),
    () => '',
    () => ' ',
    () => 'NaN',
    () => 'Infinity',
    () => '-1',
    () => '\ud800',
    () => 'a\udc00b',
    () => '\u0000',
    () => '\ufeff',
    () => '\u202e\u200b',
    () => 'x'.repeat(1 + Math.floor(r() * 70_000)),
    // past the fuzz gateways' 256 KiB max_body_bytes: 413
    () => 'y'.repeat(300_000),
    () => '😀'.repeat(1 + Math.floor(r() * 2000)),
    () => ({}),
    () => [],
    () => [null],
    () => [{}],
    () => ({ type: 'text' }),
    () => ({ role: 'user' }),
    () => ({ __proto__: { polluted: 1 }, constructor: { prototype: { x: 1 } } }),
    () => JSON.parse('{"__proto__": {"isAdmin": true}}'),
    () => nested(1 + Math.floor(r() * 3000), r() < 0.5),
  ])();
}

// Fields some part of the gateway reads (grep of src/: pipeline, guard, cache, api, upstream).
const KNOWN = [
  'model', 'messages', 'stream', 'stream_options', 'n', 'max_tokens', 'max_completion_tokens', 'logprobs', 'top_logprobs',
  'tools', 'tool_choice', 'functions', 'function_call', 'parallel_tool_calls', 'response_format', 'structured_outputs',
  'guided_choice', 'reasoning_effort', 'chat_template_kwargs', 'chat_template', 'thinking', 'enable_thinking', 'user',
  'metadata', 'seed', 'prompt', 'suffix', 'input', 'instructions', 'system', 'documents', 'query', 'text', 'texts',
  'task_type', 'tasks', 'options', 'prediction', 'prompt_embeds', 'content', 'role', 'name', 'tool_calls', 'tool_call_id',
  'type', 'image_url', 'input_audio', 'file', 'refusal', 'reasoning_content', 'arguments', 'function', 'include_usage',
];

function nested(depth: number, arrays: boolean): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** Every path into `v` (keys and indexes), the root included. */
function paths(v: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function setAt(root: unknown, path: Array<string | number>, f: (old: unknown, parent: any, key: string | number) => void): unknown {
  if (path.length === 0) {
    const box = { v: root };
    f(root, box, 'v');
    return box.v;
  }
  let cur: any = root;
  for (const k of path.slice(0, -1)) cur = cur[k];
  const key = path[path.length - 1]!;
  f(cur[key], cur, key);
  return root;
}

/** One to three structural mutations of `valid` (not changed) and the text it serialises to. */
export function mutateJson(valid: unknown, r: Rand): { text: string; what: string } {
  let v = structuredClone(valid);
  const whats: string[] = [];
  for (let k = r() < 0.3 ? 2 + Math.floor(r() * 2) : 1; k > 1; k--) {
    const m = mutateOnce(v, r);
    whats.push(m.what);
    v = m.value;
  }
  const last = mutateOnce(v, r);
  return { text: last.text, what: [...whats, last.what].join('; ') };
}

function mutateOnce(v: unknown, r: Rand): { value: unknown; text: string; what: string } {
  const all = paths(v);
  const path = pick(r, all);
  const where = '/' + path.join('/');
  const kind = pick(r, ['replace', 'replace', 'replace', 'delete', 'unknown', 'known', 'known', 'wrap', 'duplicate']);
  let out = v;
  let what = `${kind} ${where}`;
  if (kind === 'replace') {
    const odd = oddValue(r);
    what += ` -> ${describe(odd)}`;
    out = setAt(v, path, (_o, parent, key) => (parent[key] = odd));
  } else if (kind === 'delete' && path.length) {
    out = setAt(v, path, (_o, parent, key) => (Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key]));
  } else if (kind === 'unknown') {
    out = setAt(v, path, (o) => {
      if (o && typeof o === 'object' && !Array.isArray(o)) (o as Record<string, unknown>)[pick(r, ['zz_unknown', '__proto__x', 'constructor', 'toString', 'hasOwnProperty'])] = oddValue(r);
    });
  } else if (kind === 'known') {
    // A field the gateway reads (routing, guard, cache, usage, reasoning), with an odd value, on the
    // object at the path (the body, a message, a part, a tool).
    const key = pick(r, KNOWN);
    const odd = oddValue(r);
    what = `known ${where}/${key} -> ${describe(odd)}`;
    out = setAt(v, path, (o) => {
      if (o && typeof o === 'object' && !Array.isArray(o)) (o as Record<string, unknown>)[key] = odd;
    });
  } else if (kind === 'wrap') {
    out = setAt(v, path, (o, parent, key) => (parent[key] = r() < 0.5 ? [o] : { value: o }));
  }
  let text = JSON.stringify(out).replace(/"@@RAW:([^@]+)@@"/g, '$1');
  if (kind === 'duplicate' && text.startsWith('{') && text.length > 2) {
    // The first member again, with another value: vLLM (Python's json) keeps the last.
    const m = /^\{("(?:[^"\\]|\\.)*"):/.exec(text);
    if (m) text = `{${m[1]}:${JSON.stringify(oddValue(r)).replace(/"@@RAW:([^@]+)@@"/g, '$1')},${text.slice(1)}`;
  }
  return { value: out, text, what };
}

const describe = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}... (${s.length})` : s;
};

const enc = new TextEncoder();
const cat = (...xs: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let off = 0;
  for (const x of xs) out.set(x, off), (off += x.length);
  return out;
};
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const utf16le = (s: string) => new Uint8Array(Uint16Array.from(s, (c) => c.charCodeAt(0)).buffer);

/** A byte-level mutation of a valid body's text (Uint8Array, no Buffer: workerd runs this too). */
export function mutateBytes(text: string, r: Rand): { body: Uint8Array; what: string } {
  const b = enc.encode(text);
  const at = Math.floor(r() * b.length);
  const kind = pick(r, ['truncate', 'bom', 'latin1', 'lone-continuation', 'flip', 'nul', 'empty', 'whitespace', 'trailing', 'utf16', 'overlong', 'surrogate-bytes'] as const);
  const ins = (x: number[]) => cat(b.subarray(0, at), Uint8Array.from(x), b.subarray(at));
  const body = {
    truncate: () => b.subarray(0, at),
    bom: () => cat(Uint8Array.from([0xef, 0xbb, 0xbf]), b),
    latin1: () => latin1(text.replace(/[a-z]/, 'é')),
    'lone-continuation': () => ins([0x80]),
    flip: () => b.map((x, i) => (i === at ? x ^ (1 << Math.floor(r() * 8)) : x)),
    nul: () => ins([0]),
    empty: () => new Uint8Array(0),
    whitespace: () => enc.encode(' \t\r\n'),
    trailing: () => cat(b, enc.encode(pick(r, ['}', ',', ' x', '\n{}', '\u0000']))),
    utf16: () => utf16le('\ufeff' + text),
    overlong: () => ins([0xc0, 0xaf]),
    'surrogate-bytes': () => ins([0xed, 0xa0, 0x80]),
  }[kind]();
  return { body, what: `${kind}@${at}` };
}

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json, text/plain',
  ';;;',
  'application/octet-stream',
  '',
];
export const CONTENT_ENCODINGS = ['gzip', 'br', 'identity', 'deflate, gzip', 'x-unknown', 'GZIP'];
export const METHODS = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'POST'];
