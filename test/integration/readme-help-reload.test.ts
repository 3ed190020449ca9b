// `npm start -- --help` (README, Running it for real) and k8s/README.md ("Config changes without a
// restart") say what a config reload applies. Both went on calling settings restart-only after reloads
// learnt to apply them (README, Config reload: each has its node-reload-* test), so an operator reading
// them restarted pods for nothing. The restart-only part of each must name none of those.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { README } from '../unit/helpers/readme.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const flat = (s: string) => s.replace(/\s+/g, ' ');

/** What README's reload section says applies without a restart (its words, checked), and how each is named elsewhere. */
const APPLIED: Array<[string, RegExp]> = [
  ['`keep_alive_timeout_ms`) apply to the listening server', /timeout/],
  ['`observability.logging.level` applies on a reload', /log level|logging\.level/],
  ['`observability.tracing` applies too', /tracing/],
  ['`observability.metrics.max_series_per_metric` applies to the running registry', /series|max_series_per_metric/],
  ['and so do the batch histograms\' `api.batch_classification.metrics.duration_buckets`', /bucket/],
  ['`observability.logging.debug_log_prompts` switches the next requests\' log lines', /debug_log_prompts/],
];

function restartOnly(text: string): void {
  const section = flat(README.slice(README.indexOf('### Config reload without a restart'), README.indexOf('## Observability')));
  for (const [readme, named] of APPLIED) {
    expect(section, 'README no longer says so: update this test').toContain(readme);
    expect(text).not.toMatch(named);
  }
}

it('--help calls restart-only none of the settings README says a reload applies', async () => {
  const { stdout } = await promisify(execFile)(join(ROOT, 'node_modules/.bin/tsx'), ['runtimes/node/main.ts', '--help'], { cwd: ROOT });
  const reload = flat(stdout.slice(stdout.indexOf('Config reload:')));
  expect(reload).toMatch(/need a restart/);
  restartOnly(reload);
  // The line a reload logs for the rest, so the operator knows where to look.
  expect(reload).toContain('these settings need a restart');
});

it('k8s/README.md calls restart-only none of them either', () => {
  const k8s = flat(readFileSync(join(ROOT, 'k8s/README.md'), 'utf8'));
  const start = k8s.indexOf('## Config changes without a restart');
  // The sentence that lists what still needs a restart: from the first setting it names to "need a restart".
  const sentence = k8s.slice(start, k8s.indexOf('still need a restart', start));
  expect(sentence).toContain('`server.host`');
  restartOnly(sentence.slice(sentence.indexOf('`server.host`')));
});
