// `npm start -- --help` (README, Running it for real) says what a config reload applies. It named the
// client timeouts, tracing and the log level as restart-only after reloads learnt to apply them (README,
// Config reload), so an operator reading it restarted pods for nothing. The help now names only what
// stays restart-only for good (the listeners) and points to the log line and README for the rest.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { README } from '../unit/helpers/readme.ts';

const ROOT = resolve(import.meta.dirname, '../..');

it('--help calls restart-only none of the settings README says a reload applies', async () => {
  const { stdout } = await promisify(execFile)(join(ROOT, 'node_modules/.bin/tsx'), ['runtimes/node/main.ts', '--help'], { cwd: ROOT });
  const reload = stdout.slice(stdout.indexOf('Config reload:')).replace(/\s+/g, ' ');
  expect(reload).toMatch(/need a restart/);
  // What README's reload section says applies without one (each has its own reload test: node-reload-*).
  const section = README.slice(README.indexOf('### Config reload without a restart'), README.indexOf('## Observability'));
  for (const [readme, help] of [
    ['`keep_alive_timeout_ms`) apply to the', /timeout/],
    ['`observability.logging.level` applies on a reload', /log level|logging/],
    ['`observability.tracing`\napplies too', /tracing/],
  ] as const) {
    expect(section, 'README no longer says so: update this test').toContain(readme);
    expect(reload).not.toMatch(help);
  }
  // The line a reload logs for the rest, so the operator knows where to look.
  expect(reload).toContain('these settings need a restart');
});
