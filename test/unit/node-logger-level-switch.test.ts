// setNodeLogLevel (what a config reload calls, node-reload-log-level.test.ts) moves both of the
// logger's pino instances: the request line goes out through its own unredacted one, so a logger made
// at warn and lowered to info must write request lines too, not only the other info lines.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createNodeLogger, setNodeLogLevel } from '../../runtimes/node/logger.ts';

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({ write: (c, _e, cb) => void (chunks.push(String(c)), cb()) });
  return { stream, msgs: () => chunks.join('').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg) };
}
const requestLine = { event: 'request', request_id: 'r-1', model: 'qwen3', status: 200 };

describe('setNodeLogLevel', () => {
  it('warn -> info: the request line and other info lines are written; info -> error: neither, nor warnings', () => {
    const out = capture();
    const log = createNodeLogger({ default_model: 'q', observability: { logging: { level: 'warn' } } } as never, { destination: out.stream });
    log.info(requestLine, 'request before');
    expect(setNodeLogLevel(log, 'info')).toBe(true);
    log.info(requestLine, 'request');
    log.info({ event: 'x' }, 'other');
    expect(setNodeLogLevel(log, 'error')).toBe(true);
    log.info(requestLine, 'request after');
    log.warn({}, 'warning after');
    log.error({}, 'error after');
    expect(out.msgs()).toEqual(['request', 'other', 'error after']);
  });

  it('a logger it did not make: false, nothing changed', () => {
    expect(setNodeLogLevel({ debug() {}, info() {}, warn() {}, error() {} }, 'debug')).toBe(false);
  });
});
