// Answers given before the request's body came in whole (413 over server.max_body_bytes from a declared
// length or from chunks past the limit, 415, 404), over raw sockets to a real gateway. node:http said
// Connection: keep-alive on them (HTTP/1.1's default), and @hono/node-server's drain of the unread body
// closed the socket 500 ms later: a client that took the header at its word sent its next request on
// a connection the server was about to close, and lost it (the bytes were read as the unread body,
// then the socket went). Now such an answer says Connection: close and the connection closes after it;
// one whose body had all come in (so nothing is left to misread) keeps the connection, and keeps it
// past the drain: the next request on it is answered.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, testConfig, type Gateway } from './gateway-harness.ts';
import { connectionOf, rawAnswers, type RawAnswer } from './helpers/raw-answers.ts';

const LIMIT = 1000;
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ config: (p) => testConfig({ server: { max_body_bytes: LIMIT } }, [{ name: 'production-stack', address: '127.0.0.1', port: p, weight: 1 }]) });
});
afterAll(() => gw?.close());

const GET = 'GET /health HTTP/1.1\r\nHost: gw\r\n\r\n';

/**
 * One connection, as a client that trusts the first answer's Connection header: writes `request`,
 * waits for its answer, then (`pauseMs` later) writes `rest` (what was left of the body) and a GET.
 * Resolves once the server closed the socket or the GET was answered (or after 5 s).
 */
function answerThenGet(request: string, rest = '', pauseMs = 0): Promise<{ answers: RawAnswer[]; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    let sent = false;
    const s = net.connect(gw.served.port, '127.0.0.1', () => s.write(request));
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ answers: rawAnswers(text), closed });
    };
    const timer = setTimeout(() => done(false), 5_000);
    s.setEncoding('latin1');
    s.on('error', () => {});
    s.on('data', (c: string) => {
      text += c;
      const n = rawAnswers(text).length;
      if (n === 1 && !sent) {
        sent = true;
        setTimeout(() => s.writable && s.write(rest + GET), pauseMs);
      }
      if (n === 2) done(false);
    });
    s.on('close', () => done(true));
  });
}

const chat = (extra: string) => `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n${extra}\r\n`;
const chunk = (n: number) => `${n.toString(16)}\r\n${'x'.repeat(n)}\r\n`;

describe('an answer given before the body came in whole', () => {
  const cases: Array<{ name: string; status: number; request: string; rest: string }> = [
    { name: 'a declared Content-Length over max_body_bytes, the body not sent yet', status: 413, request: chat(`Content-Length: ${LIMIT * 5}\r\n`), rest: 'x'.repeat(LIMIT * 5) },
    { name: 'chunks past max_body_bytes, the last chunk not sent yet', status: 413, request: chat('Transfer-Encoding: chunked\r\n') + chunk(LIMIT).repeat(3), rest: '0\r\n\r\n' },
    { name: 'a content type that is not JSON, the body not sent yet', status: 415, request: 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n', rest: 'x'.repeat(10) },
    { name: 'an unknown path, the body not sent yet', status: 404, request: 'POST /nope HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n', rest: 'x'.repeat(10) },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status} says Connection: close, and the connection closes after it`, async () => {
      const r = await answerThenGet(c.request, c.rest);
      expect(r.answers[0]?.status).toBe(c.status);
      expect(connectionOf(r.answers[0]!)).toBe('close');
      expect(r.closed).toBe(true);
      expect(r.answers).toHaveLength(1);
    });
  }

  it('the client sends nothing more: the answer says close all the same (its unread body can only be refused)', async () => {
    const r = await answerThenGet(chat(`Content-Length: ${LIMIT * 5}\r\n`), '', 0);
    expect(r.answers.map((a) => [a.status, connectionOf(a)])).toEqual([[413, 'close']]);
    expect(r.closed).toBe(true);
  });
});

/** Writes `head`, then 64 KiB pieces of body each once the last was taken, until the socket fails: the bytes written. */
function writeUntilCut(head: string): Promise<number> {
  return new Promise((resolve) => {
    const s = net.connect(gw.served.port, '127.0.0.1');
    const piece = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    s.on('error', () => {});
    s.write(head);
    const next = (err?: Error | null) => {
      if (err || s.destroyed) return resolve(written);
      written += piece.length;
      s.write(piece, next);
    };
    next();
  });
}

describe('a body that never ends after an answer given from the head', () => {
  // Closed once LINGER_BYTES (64 MiB) more were read and dropped, plus what socket buffers hold and what
  // comes in between two checks (10 ms apart; at 100 ms a fast host let 195 MiB through). Said keep-alive, the drain of @hono/node-server read
  // 64 MiB first, then the close as many again: 128-197 MiB were written before the cut.
  it('a declared length far over max_body_bytes: the connection is cut after about 64 MiB', async () => {
    const written = await writeUntilCut(chat('Content-Length: 999999999999\r\n'));
    expect(written).toBeGreaterThan(64 * 2 ** 20);
    expect(written).toBeLessThan(112 * 2 ** 20);
  });
});

describe('answers that keep the connection keep it', () => {
  // The body read whole before the answer: nothing of it is left to misread.
  it('a chat body read whole and refused (400): keep-alive, and a request 700 ms later (past the 500 ms drain) is answered', async () => {
    const r = await answerThenGet(chat('Content-Length: 2\r\n') + '{}', '', 700);
    expect(r.answers.map((a) => [a.status, connectionOf(a)])).toEqual([
      [400, 'keep-alive'],
      [200, 'keep-alive'],
    ]);
    expect(r.closed).toBe(false);
  });

  // Answered before node:http has parsed the head to its end (req.complete still false): no body to wait for.
  it('a request without a body (404): keep-alive, and the next request is answered', async () => {
    const r = await answerThenGet('GET /nope HTTP/1.1\r\nHost: gw\r\n\r\n');
    expect(r.answers.map((a) => [a.status, connectionOf(a)])).toEqual([
      [404, 'keep-alive'],
      [200, 'keep-alive'],
    ]);
  });

  // The whole body sent with the head may or may not be parsed by the time the app answers from the
  // head (the app runs in the parser's headers callback): either way the header tells the truth.
  it('413 with the body sent whole in the same write: whatever the answer says, it holds', async () => {
    const r = await answerThenGet(chat(`Content-Length: ${LIMIT * 5}\r\n`) + 'x'.repeat(LIMIT * 5), '', 700);
    expect(r.answers[0]?.status).toBe(413);
    if (connectionOf(r.answers[0]!) === 'close') {
      expect(r.closed).toBe(true);
      expect(r.answers).toHaveLength(1);
    } else expect(r.answers.map((a) => a.status)).toEqual([413, 200]);
  });
});
