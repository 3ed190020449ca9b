// Lines the Node logger holds until the end of the event-loop turn must not be lost when the process
// ends in that turn for a reason other than process.exit: an uncaught exception, an unhandled
// rejection, a SIGTERM handler that exits (runtimes/node/main.ts does); and a line over the 64 KiB
// batch cap is written whole and in order.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const logger = new URL('../../runtimes/node/logger.ts', import.meta.url).pathname;

/** Runs `body` in a child with `log` (the stdout logger) in scope; its stdout lines, parsed. */
function run(body: string): { msgs: string[]; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    const { createNodeLogger } = await import(${JSON.stringify(logger)});
    const log = createNodeLogger({ default_model: 'q' });
    ${body}
  `], { encoding: 'utf8', timeout: 20_000 });
  const msgs = r.stdout.split('\n').filter(Boolean).map((l) => String(JSON.parse(l).msg));
  return { msgs, status: r.status };
}

describe('node logger: pending lines at the end of the process', () => {
  it('an uncaught exception in the same turn', () => {
    const r = run(`log.info('one'); log.error('two'); throw new Error('boom');`);
    expect(r.status).not.toBe(0);
    expect(r.msgs).toEqual(['one', 'two']);
  });

  it('an unhandled rejection in the same turn', () => {
    const r = run(`log.info('one'); Promise.reject(new Error('rejected'));`);
    expect(r.status).not.toBe(0);
    expect(r.msgs).toEqual(['one']);
  });

  it('a SIGTERM handler that logs and exits', () => {
    const r = run(`
      process.once('SIGTERM', () => { log.info('shutting down'); process.exit(0); });
      log.info('up');
      setTimeout(() => process.kill(process.pid, 'SIGTERM'), 20);
      setTimeout(() => {}, 5000);
    `);
    expect(r.status).toBe(0);
    expect(r.msgs).toEqual(['up', 'shutting down']);
  });

  it('a line over the 64 KiB cap between two small ones: all three, whole, in order', () => {
    const r = run(`log.info('a'); log.info('x'.repeat(200_000)); log.info('c'); process.exit(0);`);
    expect(r.msgs.map((m) => (m.length > 10 ? m.length : m))).toEqual(['a', 200_000, 'c']);
  });
});
