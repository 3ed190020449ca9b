// Issue #3 "Bad input" below the JSON: seeded odd request heads over raw sockets to a real semroute
// process (runtimes/node/main.ts, its own pino output): methods, targets, versions, duplicate or
// lying Content-Length, CR/LF/NUL/8-bit bytes in x-request-id, huge and many header fields, chunked
// bodies with bad sizes, truncated bodies. Oracle: every answer that comes is a status line node:http
// or the gateway wrote, no 500, an OpenAI-shaped error body, no stack trace; /health answers after
// every batch; the PII in the bodies never reaches the process's output. FUZZ_SEED / FUZZ_N widen it.
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess, START_BUDGET_MS, type GatewayProcess } from './helpers/gateway-process.ts';
import { pick, rng, type Rand } from './fuzz-mutate.ts';
import { EMAIL, PHONE, judge } from './fuzz-cases.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const N = Number(process.env.FUZZ_N ?? 320);
const fx = processFixture();
let gw: GatewayProcess;

beforeAll(async () => {
  const { file, base } = fx.configDir('semroute-fuzz-heads-');
  writeFileSync(file, `${base}server: { max_body_bytes: 65536, passthrough_paths: [/v1/completions, /v1/embeddings] }\n`);
  gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
}, START_BUDGET_MS);

const TEXT = `mail ${EMAIL} or ring ${PHONE}`;
// A valid body per path, so that what an answer says comes from the head.
const BODIES: Record<string, string> = {
  '/v1/chat/completions': JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: TEXT }] }),
  '/v1/completions': JSON.stringify({ model: 'qwen3', prompt: TEXT, max_tokens: 4 }),
  '/v1/embeddings': JSON.stringify({ model: 'qwen3', input: TEXT }),
  '/api/v1/classify/pii': JSON.stringify({ text: TEXT }),
  '/v1/models/qwen3': '',
  '/health': '',
  '/nope': JSON.stringify({ text: TEXT }),
};
const PATHS = Object.keys(BODIES);

/** One raw request: the bytes and what they hold. */
function headCase(r: Rand): { bytes: Buffer; what: string; truncated: boolean } {
  const notes: string[] = [];
  const odd = <T>(p: number, normal: T, xs: readonly T[], name: string): T => {
    if (r() >= p) return normal;
    const v = pick(r, xs);
    notes.push(`${name}=${JSON.stringify(v).slice(0, 40)}`);
    return v;
  };
  const method = odd(0.15, 'POST', ['GET', 'post', 'FOO', 'PROPFIND', 'P OST', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PRI', 'GET\t'], 'method');
  const path = pick(r, PATHS);
  const target = odd(0.15, path, ['*', `http://h${path}`, `/${path}`, `${path}?a=%zz&b`, `${path}#x`, `${path}/../health`, `${path} x`, `${path}\u00e9`, `${path}%00`, 'x'.repeat(9000)], 'target');
  const version = odd(0.1, 'HTTP/1.1', ['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'http/1.1', 'HTTP/1.1 extra', ''], 'version');
  const BODY = BODIES[path]!;
  let body = Buffer.from(BODY);
  const h: string[] = [];
  const host = odd(0.1, ['Host: gw'], [[], ['Host: gw', 'Host: other'], ['Host: a b'], ['Host: ']], 'host');
  h.push(...host);
  h.push(odd(0.1, 'Content-Type: application/json', ['Content-Type: application/json\u0000', 'Content-Type: text/plain', 'Content-Type:application/json', 'Content-Type : application/json'], 'ctype'));
  const id = odd(0.2, 'fuzz-1', ['a\rb', 'a\nb', 'a\r\nInjected: 1', 'a\u0000b', 'a\u007fb', '\u00ff\u00fe', 'é', ' '.repeat(5), 'x'.repeat(70_000), ''], 'x-request-id');
  h.push(`X-Request-Id: ${id}`);
  const framing = odd(0.35, 'cl', ['cl-dup', 'cl-dup-diff', 'cl-neg', 'cl-abc', 'cl-big', 'cl-small', 'cl-plus', 'cl-te', 'te', 'te-bad-size', 'te-gzip', 'te-no-end', 'none', 'cl-comma', 'te-obs-fold'], 'framing');
  let chunked = false;
  const cl = body.length;
  const frame: Record<string, () => unknown> = {
    cl: () => h.push(`Content-Length: ${cl}`),
    'cl-dup': () => h.push(`Content-Length: ${cl}`, `Content-Length: ${cl}`),
    'cl-dup-diff': () => h.push(`Content-Length: ${cl}`, `Content-Length: ${cl + 5}`),
    'cl-neg': () => h.push('Content-Length: -1'),
    'cl-abc': () => h.push('Content-Length: abc'),
    'cl-big': () => h.push(`Content-Length: ${cl + 100}`),
    'cl-small': () => h.push(`Content-Length: ${cl - 10}`),
    'cl-plus': () => h.push(`Content-Length: +${cl}`),
    'cl-comma': () => h.push(`Content-Length: ${cl}, ${cl}`),
    'cl-te': () => (h.push(`Content-Length: ${cl}`, 'Transfer-Encoding: chunked'), (chunked = true)),
    te: () => (h.push('Transfer-Encoding: chunked'), (chunked = true)),
    'te-bad-size': () => (h.push('Transfer-Encoding: chunked'), (body = Buffer.from(`zz\r\n${BODY}\r\n0\r\n\r\n`))),
    'te-gzip': () => (h.push('Transfer-Encoding: gzip, chunked'), (chunked = true)),
    'te-no-end': () => (h.push('Transfer-Encoding: chunked'), (body = Buffer.from(`${body.length.toString(16)}\r\n${BODY}\r\n`))),
    'te-obs-fold': () => (h.push('Transfer-Encoding: \r\n chunked'), (chunked = true)),
    none: () => undefined,
  };
  frame[framing]!();
  if (chunked) body = Buffer.from(`${body.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`);
  const extra = odd(0.2, [] as string[], [
    [`X-Big: ${'y'.repeat(20_000)}`],
    Array.from({ length: 300 }, (_, i) => `X-H${i}: v`),
    ['Expect: 100-continue'],
    ['Expect: teapot'],
    ['Connection: Upgrade', 'Upgrade: h2c'],
    ['Content-Encoding: gzip'],
    ['Bad Name: x'],
    ['X-Fold: a', ' b'],
    ['X-8bit: \u00e9\u00ff'],
    [': empty-name'],
  ], 'extra');
  h.push(...extra);
  const head = `${method} ${target} ${version}`.trimEnd() + '\r\n' + h.join('\r\n') + '\r\n\r\n';
  const bytes = Buffer.concat([Buffer.from(head, 'latin1'), method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : body]);
  return { bytes, what: notes.join(' ') || 'plain', truncated: framing === 'cl-big' || framing === 'te-no-end' };
}

/**
 * Writes the bytes and reads until a whole final answer came or the server closed. A head that
 * promises more body than it carries (`truncated`) gets a half-close after 300 ms (a client that went
 * quiet); a complete request is not half-closed: the gateway takes a client's FIN as the client gone.
 */
function exchange(bytes: Buffer, truncated: boolean): Promise<{ raw: Buffer; hung: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(gw.port, '127.0.0.1');
    let raw = Buffer.alloc(0);
    const done = (hung: boolean) => {
      clearTimeout(quiet);
      clearTimeout(timer);
      s.destroy();
      resolve({ raw, hung });
    };
    const quiet = setTimeout(() => truncated && s.end(), 300);
    const timer = setTimeout(() => done(true), 6000);
    s.on('data', (d) => {
      raw = Buffer.concat([raw, d]);
      if (firstAnswer(raw)?.complete) done(false);
    });
    s.on('error', () => undefined);
    s.on('close', () => done(false));
    s.write(bytes);
  });
}

/** The first final (not 1xx) answer in `raw`: status, headers, body (Content-Length or chunked framing). */
function firstAnswer(raw: Buffer): { status: number; headers: Record<string, string>; body: string; complete: boolean } | undefined {
  let text = raw.toString('latin1');
  while (/^HTTP\/1\.[01] 1\d\d/.test(text) && text.includes('\r\n\r\n')) {
    const skip = text.indexOf('\r\n\r\n') + 4;
    raw = raw.subarray(skip);
    text = text.slice(skip);
  }
  const end = text.indexOf('\r\n\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!m || end < 0 || m[1]!.startsWith('1')) return undefined;
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let rest = raw.subarray(end + 4);
  let complete = false;
  if (headers['content-length'] !== undefined) {
    complete = rest.length >= Number(headers['content-length']);
    rest = rest.subarray(0, Number(headers['content-length']));
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    for (let at = 0; ; ) {
      const eol = rest.indexOf('\r\n', at);
      const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
      if (eol < 0 || Number.isNaN(size)) break;
      if (size === 0) {
        complete = true;
        break;
      }
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 4 + size;
    }
    rest = Buffer.concat(parts);
  }
  return { status: Number(m[1]), headers, body: rest.toString('utf8'), complete };
}

describe('odd request heads over raw sockets (semroute process)', () => {
  it(`${N} seeded heads (seed ${SEED}): node:http's or the gateway's answer, OpenAI-shaped, still serving`, async () => {
    const r = rng(SEED);
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    for (let i = 0; i < N; i += 8) {
      const batch = Array.from({ length: Math.min(8, N - i) }, (_, j) => ({ n: i + j, c: headCase(r) }));
      await Promise.all(
        batch.map(async ({ n, c }) => {
          const { raw, hung } = await exchange(c.bytes, c.truncated);
          const a = firstAnswer(raw);
          const key = hung ? 'hung' : a ? String(a.status) : 'closed';
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          const method = c.bytes.toString('latin1', 0, 8).split(' ')[0]!;
          const bad = hung && a === undefined ? 'no answer within 6 s' : a ? judge(method, a) : '';
          if (process.env.FUZZ_DEBUG && !bad) console.log(key, c.what, raw.toString('latin1').slice(0, 300).replace(/\r\n/g, ' | '));
          if (bad) failures.push(`#${n} ${c.what}: ${bad}`);
        }),
      );
      const h = await fetch(`${gw.base}/health`).catch(() => undefined);
      if (h?.status !== 200) failures.push(`after #${i}: /health ${h?.status}`);
    }
    console.log(`[fuzz-heads] seed ${SEED}, ${N} requests: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(gw.out()).not.toContain('fuzzmark');
    expect(gw.out()).not.toContain('555-0199');
  }, 300_000);
});
