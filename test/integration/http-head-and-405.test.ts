// HEAD on the gateway's GET routes, and the 404/405 answers, over raw sockets to a real semroute process
// (runtimes/node/main.ts). Hono answers HEAD from the GET route and drops the body, and the length went
// with it: HEAD /health had no Content-Length (RFC 9110 9.3.2: the same header fields as GET), so a
// client or probe that sizes a download or checks it with HEAD saw nothing. A 405 (or 404) answer had no
// x-request-id while the route's other answers had one: a client that sends its id to correlate got
// nothing back on exactly the answers it would ask about.
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { processFixture, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();
let gw: GatewayProcess;

beforeAll(async () => {
  const { file, dir } = fx.configDir('semroute-head405-');
  writeFileSync(file, `default_model: qwen3\nvllm_endpoints: [{ name: up, address: 127.0.0.1, port: 9 }]\nrouting: { enabled: false }\npacks: { dir: ${dir}/packs }\n`);
  gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
}, 40_000);

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `requests` pipelined on one socket (the last with Connection: close); the answers, split by their Content-Length. */
function pipelined(requests: string[], heads: boolean[]): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = net.connect(gw.port, '127.0.0.1', () => s.write(requests.join('')));
    s.setEncoding('latin1').on('data', (c: string) => (text += c));
    s.on('error', reject);
    const timer = setTimeout(() => s.destroy(), 5_000);
    s.on('close', () => {
      clearTimeout(timer);
      const out: Answer[] = [];
      let rest = text;
      for (const isHead of heads) {
        const end = rest.indexOf('\r\n\r\n');
        if (end < 0) break;
        const lines = rest.slice(0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
        const len = isHead ? 0 : Number(headers['content-length'] ?? 0);
        out.push({ status: Number(lines[0]!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + len) });
        rest = rest.slice(end + 4 + len);
      }
      expect(rest).toBe('');
      resolve(out);
    });
  });
}

const req = (method: string, path: string, extra = '', last = false) => `${method} ${path} HTTP/1.1\r\nHost: gw\r\n${extra}${last ? 'Connection: close\r\n' : ''}\r\n`;

describe('HEAD on GET routes', () => {
  for (const path of ['/health', '/ready', '/v1/models', '/v1/models/qwen3', '/openapi.json', '/info/classifier', '/nope']) {
    it(`HEAD ${path}: GET's status and Content-Length, no body (the next answer on the socket follows at once)`, async () => {
      const [head, get] = await pipelined([req('HEAD', path), req('GET', path, '', true)], [true, false]);
      expect(head!.status).toBe(get!.status);
      expect(get!.headers['content-length']).toBeDefined();
      // The 404's message names the method ('Unknown request URL: HEAD /nope.'): the body HEAD would have.
      const wouldHave = get!.body.replace(`GET ${path}`, `HEAD ${path}`);
      expect(head!.headers['content-length']).toBe(String(Buffer.byteLength(wouldHave)));
      expect(head!.headers['content-type']).toBe(get!.headers['content-type']);
    });
  }

  it('HEAD /metrics: a Content-Length (the exposition changes between scrapes, so not compared)', async () => {
    const [head, get] = await pipelined([req('HEAD', '/metrics'), req('GET', '/health', '', true)], [true, false]);
    expect(head!.status).toBe(200);
    expect(Number(head!.headers['content-length'])).toBeGreaterThan(1000);
    expect(get!.status).toBe(200);
  });
});

describe('x-request-id on 405 and 404', () => {
  const cases: Array<[string, string, number]> = [
    ['PUT', '/v1/chat/completions', 405],
    ['GET', '/v1/chat/completions', 405],
    ['POST', '/health', 405],
    ['DELETE', '/api/v1/classify/intent', 405],
    ['DELETE', '/v1/models/qwen3', 405],
    ['GET', '/v1/nope', 404],
  ];
  for (const [method, path, status] of cases) {
    it(`${method} ${path}: ${status} echoes the client's x-request-id, or gives a fresh one`, async () => {
      const [mine, fresh] = await pipelined([req(method, path, 'X-Request-Id: client-id-42\r\nContent-Length: 0\r\n'), req(method, path, 'Content-Length: 0\r\n', true)], [false, false]);
      expect(mine!.status).toBe(status);
      expect(mine!.headers['x-request-id']).toBe('client-id-42');
      expect(JSON.parse(mine!.body).error.code).toBe(status === 405 ? 'method_not_allowed' : 'unknown_url');
      expect(fresh!.status).toBe(status);
      expect(fresh!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  }

  it("GET /v1/models/nope: the error echoes the client's x-request-id too", async () => {
    const [mine] = await pipelined([req('GET', '/v1/models/nope', 'X-Request-Id: client-id-43\r\n', true)], [false]);
    // An id the gateway does not list is asked of the engine (models-retrieve-upstream), here unreachable.
    expect(mine!.status).toBe(502);
    expect(JSON.parse(mine!.body).error.code).toBe('upstream_unavailable');
    expect(mine!.headers['x-request-id']).toBe('client-id-43');
  });
});
