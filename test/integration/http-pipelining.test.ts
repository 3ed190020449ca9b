// HTTP/1.1 pipelining on the gateway's listener (serveFetch, real sockets), with the write-stall limit
// short (the process's is 300 s): a pipelined answer waits behind the one before it, its bytes queued
// by node:http until the socket is its, which is not a client leaving its answer unread. The stall
// timer armed on that queue cut the waiting answer (and with it the connection): a client that
// pipelined a request behind a stream longer than the limit lost the second answer.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveFetch, type Served } from '../../runtimes/node/serve.ts';

const BIG = 'y'.repeat(200_000);
const STALL_MS = 400;
let served: Served;

beforeAll(async () => {
  served = await serveFetch(
    async (req) => {
      const path = new URL(req.url).pathname;
      const enc = new TextEncoder();
      if (path === '/slow') {
        // A stream that runs 3 x the stall limit, read by the client all along.
        let i = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(c) {
            await new Promise((r) => setTimeout(r, STALL_MS / 2));
            if (i++ >= 6) c.close();
            else c.enqueue(enc.encode(`tick ${i}\n`));
          },
        });
        return new Response(body);
      }
      // Larger than a socket's high-water mark: its write waits.
      let sent = false;
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            if (sent) return c.close();
            sent = true;
            c.enqueue(enc.encode(BIG));
          },
        }),
      );
    },
    { port: 0, writeStallMs: STALL_MS },
  );
});
afterAll(async () => {
  await served?.close();
});

describe('pipelined requests', () => {
  it('an answer queued behind a stream longer than the write-stall limit is delivered whole', async () => {
    const got = await new Promise<string>((resolve) => {
      let text = '';
      const s = net.connect(served.port, '127.0.0.1', () =>
        s.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      s.setEncoding('latin1').on('data', (c: string) => (text += c));
      s.on('error', () => {});
      s.on('close', () => resolve(text));
      setTimeout(() => s.destroy(), 8_000);
    });
    expect(got).toContain('tick 6\n');
    expect(got.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(got).toContain(BIG);
  });

  it('a client that reads nothing at all is still cut at the limit', async () => {
    const got = await new Promise<{ bytes: number; closed: boolean }>((resolve) => {
      let bytes = 0;
      const s = net.connect(served.port, '127.0.0.1', () => {
        // Many big answers, none read for a while: the buffers fill and the answer waits on the client.
        s.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(40));
        s.pause();
        // Reading again well after the limit: what the gateway wrote before it cut, then the close.
        setTimeout(() => s.resume(), 4 * STALL_MS);
      });
      s.on('data', (c: Buffer) => (bytes += c.length));
      s.on('error', () => {});
      s.on('close', () => resolve({ bytes, closed: true }));
      setTimeout(() => resolve({ bytes, closed: false }), 6_000);
    });
    expect(got.closed).toBe(true);
    expect(got.bytes).toBeLessThan(40 * BIG.length);
  });
});
