// The Node log destination: lines logged in one event-loop turn are written together at the end of
// that turn (one write(2)), nothing waits longer, and lines still pending at exit are written.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeLogger, lineDestination } from '../../runtimes/node/logger.ts';

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('node log destination', () => {
  it('writes the lines of one turn at the end of that turn, in order', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'semroute-log-')), 'out.log');
    const log = createNodeLogger({ default_model: 'q' } as never, { destination: lineDestination(file) });
    log.info({ n: 1 }, 'one');
    log.warn({ n: 2 }, 'two');
    expect(readFileSync(file, 'utf8')).toBe('');
    await new Promise((r) => setImmediate(r));
    expect(lines(file).map((l) => [l.n, l.level, l.msg])).toEqual([
      [1, 'info', 'one'],
      [2, 'warn', 'two'],
    ]);
    log.info({ n: 3 }, 'three');
    await new Promise((r) => setImmediate(r));
    expect(lines(file).map((l) => l.n)).toEqual([1, 2, 3]);
  });

  it('writes at once when 64 KiB are pending', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'semroute-log-')), 'out.log');
    const log = createNodeLogger({ default_model: 'q' } as never, { destination: lineDestination(file) });
    for (let i = 0; i < 300; i++) log.info({ i, pad: 'x'.repeat(300) }, 'bulk');
    expect(lines(file).length).toBeGreaterThan(100);
  });

  it('writes what is pending when the process exits', () => {
    const logger = new URL('../../runtimes/node/logger.ts', import.meta.url).pathname;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { createNodeLogger } = await import(${JSON.stringify(logger)});
      const log = createNodeLogger({ default_model: 'q' });
      log.info({ n: 1 }, 'before exit');
      process.exit(0);
    `]).toString();
    expect(out.split('\n').filter(Boolean).map((l) => JSON.parse(l).msg)).toEqual(['before exit']);
  });
});
