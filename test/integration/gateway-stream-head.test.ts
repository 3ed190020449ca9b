// When the head of a streamed answer leaves the gateway (runtimes/node/serve.ts defers
// @hono/node-server's flushHeaders to the end of the event-loop turn): a first chunk already at hand
// goes out in the same write as the head; an upstream that is slow to its first chunk still gets the
// head to the client at once, and no chunk waits. A raw TCP client; the gateway socket's writes are watched.
// The upstream sends its next part once the client has read the previous one (clientRead), not after a
// fixed delay: upstream, gateway and client share one event loop, and on a loaded CI machine a stall
// let a 150 ms gap collapse into one read and a head meant to arrive at once come after 260 ms.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, chunk, startScriptedUpstream, type ScriptedUpstream } from './helpers/scripted-upstream.ts';

let up: ScriptedUpstream;

beforeAll(async () => {
  up = await startScriptedUpstream({});
});
afterAll(async () => {
  await up?.close();
});

// What the client of rawStream has read so far, and who waits for a part of it.
let clientText = '';
let clientWaits: Array<() => boolean> = [];
/** Resolves true once the client has read `part`, false if it has not within 5 s (the gateway holds
 *  it: the upstream then sends on, and the checks on the reads fail). */
function clientRead(part: string): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 5_000);
    const check = () => {
      if (!clientText.includes(part)) return false;
      clearTimeout(timer);
      resolve(true);
      return true;
    };
    if (!check()) clientWaits.push(check);
  });
}

/** One streamed request over a raw socket: each read with its time since the request was sent. */
function rawStream(): Promise<Array<{ at: number; text: string }>> {
  clientText = '';
  clientWaits = [];
  const { port } = new URL(up.gw.url);
  const body = JSON.stringify({ ...ask, stream: true });
  return new Promise((resolve, reject) => {
    const reads: Array<{ at: number; text: string }> = [];
    const sock = net.connect(Number(port), '127.0.0.1', () => {
      t0 = performance.now();
      sock.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    let t0 = 0;
    sock.setEncoding('utf8');
    sock.on('data', (text: string) => {
      reads.push({ at: performance.now() - t0, text });
      clientText += text;
      clientWaits = clientWaits.filter((check) => !check());
    });
    sock.on('end', () => resolve(reads));
    sock.on('error', reject);
  });
}

describe('the head of a streamed answer', () => {
  it('a first chunk that came with the upstream headers leaves in the same write as the head', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('first'));
      void clientRead('"content":"first"').then((got) => {
        firstBeforeSecond = got;
        res.end(chunk('second') + 'data: [DONE]\n\n');
      });
    };
    let firstBeforeSecond = false;
    // What each write of the gateway's client socket carried (one write or writev call each: one syscall).
    const writes: string[] = [];
    const watch = (sock: net.Socket) => {
      const s = sock as unknown as { _writeGeneric(writev: boolean, data: unknown, enc: string, cb: unknown): unknown };
      const orig = s._writeGeneric;
      s._writeGeneric = function (writev, data, enc, cb) {
        const parts = writev ? (data as Array<{ chunk: unknown }>).map((d) => d.chunk) : [data];
        writes.push(parts.map((p) => (typeof p === 'string' ? p : Buffer.from(p as Uint8Array).toString('latin1'))).join(''));
        return orig.call(this, writev, data, enc, cb);
      };
    };
    up.gw.served.server.once('connection', watch);
    const reads = await rawStream();
    expect(writes[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(writes[0]).toContain('"content":"first"');
    expect(writes[0]).not.toContain('"content":"second"');
    const all = reads.map((r) => r.text).join('');
    expect(all).toContain('"content":"first"');
    expect(all).toContain('"content":"second"');
    // The first chunk reached the client while the second was not sent yet (not held back for it).
    expect(firstBeforeSecond).toBe(true);
    expect(reads.find((r) => r.text.includes('"content":"first"'))!.text).not.toContain('"content":"second"');
  });

  it('an upstream slow to its first chunk: the head reaches the client at once, the chunk when it comes', async () => {
    up.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      void clientRead('HTTP/1.1 200').then((got) => {
        headBeforeChunk = got;
        res.write(chunk('late'));
        setTimeout(() => res.end('data: [DONE]\n\n'), 100);
      });
    };
    let headBeforeChunk = false;
    const reads = await rawStream();
    const head = reads.findIndex((r) => r.text.startsWith('HTTP/1.1 200'));
    const first = reads.findIndex((r) => r.text.includes('"content":"late"'));
    expect(reads[head]!.text).not.toContain('"content":"late"');
    // The head reached the client before the upstream had any chunk to send; the chunk came after.
    expect(headBeforeChunk).toBe(true);
    expect(first).toBeGreaterThan(head);
  });
});
