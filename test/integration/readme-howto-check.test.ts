// README "In front of a vLLM Production Stack" followed as written (new-user pass, issue #3): copy
// config/config.yaml, put the how-to's keys in it, run the `--check` the README names. The copied
// categories still route to the mock's models; the how-to's endpoint `models` list is what lets the check
// name each one the stack does not serve (without it: `config OK`, and those requests reach the stack,
// which has no such model). The README's sentence after the block must name those models and quote the
// warning the check prints; once the model_scores name the stack's models, the check is quiet.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { section } from '../unit/helpers/readme.ts';
import { REPO } from './gateway-harness.ts';

const run = promisify(execFile);
const howto = section('In front of a vLLM Production Stack');
const block = parse(/```yaml\n([\s\S]*?)```/.exec(howto)![1]!) as Record<string, any>;
const after = howto.slice(howto.indexOf('```', howto.indexOf('```yaml') + 3) + 3).split('\n\n')[1]!;
const dir = mkdtempSync(join(tmpdir(), 'readme-howto-'));

/** config/config.yaml with the how-to's top-level keys put in, comments kept (what `cp` then an edit gives). */
function myConfig(edit: (doc: ReturnType<typeof parseDocument>) => void = () => {}): string {
  const doc = parseDocument(readFileSync(join(REPO, 'config/config.yaml'), 'utf8'));
  for (const [k, v] of Object.entries(block)) doc.set(k, doc.createNode(v));
  edit(doc);
  const file = join(dir, `my-config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, doc.toString());
  return file;
}

/** `--check` on the file: its last line and the warnings it logged (JSON lines, `warning` field). */
async function check(file: string): Promise<{ last: string; warnings: string[] }> {
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(REPO, 'runtimes/node/main.ts'), '--config', file, '--check'], { cwd: REPO });
  const lines = (stdout + stderr).trim().split('\n');
  const warnings = lines.flatMap((l) => (l.startsWith('{') ? [JSON.parse(l).warning as string] : []));
  return { last: lines.at(-1)!, warnings };
}

const routed = (doc: ReturnType<typeof parseDocument>) =>
  [...new Set((doc.toJS().categories as Array<{ model_scores: Array<{ model: string }> }>).flatMap((c) => c.model_scores.map((s) => s.model)))];

describe('README: the Production Stack how-to, then --check', () => {
  const served: string[] = block.vllm_endpoints[0].models;

  it("the how-to's endpoint lists what the stack serves, and the check names each routed model it lacks, as the README says", async () => {
    expect(served, 'the how-to endpoint names the models it serves').toEqual([block.default_model]);
    const missing = routed(parseDocument(readFileSync(join(REPO, 'config/config.yaml'), 'utf8'))).filter((m) => !served.includes(m));
    expect(missing.length).toBeGreaterThan(0);
    const { last, warnings } = await check(myConfig());
    const quoted = /`(model "[^"]+" is chosen by routing[^`]*)`/.exec(after)?.[1];
    expect(quoted, 'the README quotes the warning').toBeDefined();
    for (const m of missing) {
      expect(after, `the README names ${m}`).toContain(`\`${m}\``);
      expect(warnings, m).toContainEqual(expect.stringContaining(quoted!.replace(/"[^"]+"/, `"${m}"`)));
    }
    expect(warnings).toHaveLength(missing.length);
    expect(last).toMatch(/^config OK \(\d+ warnings?\)$/);
  }, 60_000);

  it('without the models list the check says config OK (what the README warns of)', async () => {
    const { last, warnings } = await check(myConfig((doc) => doc.deleteIn(['vllm_endpoints', 0, 'models'])));
    expect(warnings).toEqual([]);
    expect(last).toBe('config OK');
    expect(after).toContain('Without the `models` list it says `config OK`');
  }, 60_000);

  it('with only vllm_endpoints put in, the check warns as the README says, until the copied model_config entries go', async () => {
    const only = (edit: (doc: ReturnType<typeof parseDocument>) => void = () => {}) =>
      myConfig((doc) => {
        // Undo every key of the block but vllm_endpoints: the copied file as it was, its endpoint replaced.
        const copied = parseDocument(readFileSync(join(REPO, 'config/config.yaml'), 'utf8'));
        for (const k of Object.keys(block)) if (k !== 'vllm_endpoints') doc.set(k, copied.get(k, true));
        edit(doc);
      });
    const missing = routed(parseDocument(readFileSync(join(REPO, 'config/config.yaml'), 'utf8'))).filter((m) => !served.includes(m));
    const quoted = /`(model_config\.[^`]* do not list [^`]*)`/.exec(after)?.[1];
    expect(quoted, 'the README quotes the warning of the copied model_config').toBeDefined();
    const named = /^model_config\.([^.]+)\./.exec(quoted!)![1]!;
    const { warnings } = await check(only());
    expect(warnings.sort()).toEqual(missing.map((m) => quoted!.replaceAll(`"${named}"`, `"${m}"`).replace(`model_config.${named}.`, `model_config.${m}.`)).sort());
    const { last, warnings: after2 } = await check(
      only((doc) => {
        for (const m of missing) doc.deleteIn(['model_config', m]);
        const cats = doc.get('categories') as any;
        for (const c of cats.items) for (const s of c.get('model_scores').items) s.set('model', served[0]);
      }),
    );
    expect(after2).toEqual([]);
    expect(last).toBe('config OK');
  }, 60_000);

  it('once the model_scores name the served model, the check is quiet', async () => {
    const { last, warnings } = await check(
      myConfig((doc) => {
        const cats = doc.get('categories') as any;
        for (const c of cats.items) for (const s of c.get('model_scores').items) s.set('model', served[0]);
      }),
    );
    expect(warnings).toEqual([]);
    expect(last).toBe('config OK');
  }, 60_000);
});

