// Mutation audit 6 of f6c694d (debug_log_prompts on a reload): with prompts shown, lines go through a
// second pino instance, which setNodeLogLevel must move too. Made at warn with debug_log_prompts and
// switched to info (a reload), the request line with its prompt and other info lines are written; with
// that instance left at warn none were (a survivor of node-reload-log-prompts, which starts at info).
// A process started at warn prints no "listening" line, so this is the logger itself, real pino.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createNodeLogger, setNodeLogLevel } from '../../runtimes/node/logger.ts';

describe('debug_log_prompts and a level switch', () => {
  it('warn -> info: the prompt-bearing request line and other info lines are written, prompts intact', () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({ write: (c, _e, cb) => void (lines.push(...String(c).split('\n').filter(Boolean).map((l) => JSON.parse(l))), cb()) });
    const config = { default_model: 'q', observability: { logging: { level: 'warn', debug_log_prompts: true } } };
    const log = createNodeLogger(config as never, { destination });
    log.info({ event: 'request', request_id: 'r-0', prompt: 'before' }, 'request');
    expect(setNodeLogLevel(log, 'info')).toBe(true);
    log.info({ event: 'request', request_id: 'r-1', prompt: 'How tall is the Eiffel tower?' }, 'request');
    log.info({ text: 'shown' }, 'other');
    expect(lines.map((l) => [l.msg, l.prompt ?? l.text])).toEqual([
      ['request', 'How tall is the Eiffel tower?'],
      ['other', 'shown'],
    ]);
  });
});
