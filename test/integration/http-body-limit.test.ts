// A chunked request body over server.max_body_bytes, sent to a real semroute process
// (runtimes/node/main.ts) over a raw socket the way Python's http.client and requests send one: the
// whole body first, the answer read after. The gateway answered 413 as soon as the limit passed and
// reset the connection while the client was still writing, so such a client got a broken pipe
// (BrokenPipeError, ECONNRESET) instead of the 413 that says what was wrong; a declared length over
// the limit, answered from the head, fared the same once the client took over 0.5 s for the rest.
// Now the rest of the body is read and dropped (no memory), up to 30 s and 64 MiB, so the client
// finishes writing and reads the 413; a body that goes on past that is cut.
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useProcessBehindUpstream, type GatewayProcess } from './helpers/gateway-process.ts';

const LIMIT = 1024 * 1024;
let upstreamRequests = 0;
let gw: GatewayProcess;
useProcessBehindUpstream('semroute-bodylimit-', (req, res) => {
  upstreamRequests++;
  req.resume().on('end', () => res.end('{}'));
}, `server: { max_body_bytes: ${LIMIT} }\n`, (g) => (gw = g));

interface Upload {
  /** Bytes of body written before the socket failed (or all). */
  written: number;
  writeError?: string;
  answer: string;
}

/**
 * Writes the head, then `total` bytes of a JSON body in 64 KiB chunks (chunked framing unless
 * `declared`), each write after the previous one was taken, and reads the answer only after the
 * last write (as http.client does). `total` Infinity: writes until the socket fails.
 */
function upload(path: string, total: number, declared = false, bytesPerSecond = Infinity): Promise<Upload> {
  return new Promise((resolve) => {
    const s = net.connect(gw.port, '127.0.0.1');
    const piece = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    let writeError: string | undefined;
    let answer = '';
    s.setEncoding('latin1');
    s.on('error', (e: NodeJS.ErrnoException) => (writeError ??= e.code ?? e.message));
    const framing = declared ? `Content-Length: ${total}` : 'Transfer-Encoding: chunked';
    s.write(`POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`);
    const frame = (b: Buffer) => (declared ? b : Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]));
    const next = () => {
      if (writeError || s.destroyed) return read();
      if (written >= total) {
        if (!declared) s.write('0\r\n\r\n');
        return read();
      }
      const b = written === 0 ? Buffer.from('{"model":"qwen3","messages":[{"role":"user","content":"') : piece.subarray(0, Math.min(piece.length, total - written));
      written += b.length;
      const due = t0 + (written / bytesPerSecond) * 1000;
      s.write(frame(b), (err) => (err ? ((writeError ??= (err as NodeJS.ErrnoException).code ?? err.message), read()) : setTimeout(next, Math.max(0, due - Date.now()))));
    };
    const t0 = Date.now();
    let reading = false;
    const read = () => {
      if (reading) return;
      reading = true;
      // The answer of a connection kept open: the client ends once it has it whole (its
      // Content-Length read), as a client that got its answer does; else after 10 s. (A fixed
      // 1.5 s was waited out by each answer here, and could cut a late one on a loaded box.)
      s.on('data', (c: string) => {
        answer += c;
        if (whole(answer)) s.destroy();
      });
      const done = () => resolve({ written, writeError, answer });
      if (s.destroyed) return done();
      s.once('close', done);
      setTimeout(() => s.destroy(), 10_000);
    };
    next();
  });
}

const status = (answer: string) => Number(answer.split(' ')[1]);
/** Whether `answer` holds a whole HTTP answer with a Content-Length. */
function whole(answer: string): boolean {
  const end = answer.indexOf('\r\n\r\n');
  const length = end < 0 ? undefined : /^content-length: *(\d+)/im.exec(answer.slice(0, end))?.[1];
  return length !== undefined && answer.length - end - 4 >= Number(length);
}

describe('a chunked body over server.max_body_bytes, written whole before the answer is read', () => {
  for (const path of ['/v1/chat/completions', '/v1/embeddings', '/api/v1/classify/intent']) {
    it(`${path}: 8 x the limit: every byte is taken, then the client reads 413 request_too_large`, async () => {
      const before = upstreamRequests;
      const r = await upload(path, 8 * LIMIT);
      expect(r.writeError).toBeUndefined();
      expect(r.written).toBe(8 * LIMIT);
      expect(status(r.answer)).toBe(413);
      expect(r.answer).toContain('request_too_large');
      expect(upstreamRequests).toBe(before);
    });
  }

  // A client on a real network is slower than loopback: 2 s for the rest of its body after the 413.
  it('chunked, 8 x the limit at 4 MiB/s: the client still writes all of it and reads the 413', async () => {
    const r = await upload('/v1/chat/completions', 8 * LIMIT, false, 4 * LIMIT);
    expect(r.writeError).toBeUndefined();
    expect(status(r.answer)).toBe(413);
  });

  it('a declared length of 8 x the limit at 4 MiB/s: the same', async () => {
    const r = await upload('/v1/chat/completions', 8 * LIMIT, true, 4 * LIMIT);
    expect(r.writeError).toBeUndefined();
    expect(status(r.answer)).toBe(413);
  });

  it('an endless body is cut once the gateway has dropped a bounded amount past the limit', async () => {
    const t0 = Date.now();
    const r = await upload('/v1/chat/completions', Infinity);
    expect(r.writeError).toBeDefined();
    // The answer says Connection: close (its body was not all in): 64 MiB read and dropped while the
    // connection closes (LINGER_BYTES; @hono/node-server's own drain reads the same bytes), plus what
    // the socket buffers held (a few MiB on loopback). It was 128 MiB: the drain's, then LINGER_BYTES.
    expect(r.written).toBeLessThan(100 * LIMIT);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a declared Content-Length of 8 x the limit: 413 as well (answered from the head)', async () => {
    const r = await upload('/v1/chat/completions', 8 * LIMIT, true);
    expect(r.writeError).toBeUndefined();
    expect(status(r.answer)).toBe(413);
  });

  it('the process serves on afterwards', async () => {
    const res = await fetch(`${gw.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
  });
});
