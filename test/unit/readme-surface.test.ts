// README against what the product declares: the HTTP surface table against servedEndpoints (what
// GET /api/v1 and /openapi.json list), the x-vsr-* headers and metric names it quotes against the code
// that emits them, and the pack table and cache figures against the packs and their MODEL_CARD.md
// (rewritten by `npm run train`, so a retrained pack whose README row was not updated fails here).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { servedEndpoints } from '../../src/api/endpoints.ts';
import { loadDefaultConfig } from '../../src/config/index.ts';
import { parseLabels, validateManifest } from '../../src/classify/pack-manifest.ts';
import { README, documentedEndpoints, expand, section, tableRows, ticks } from './helpers/readme.ts';

const ROOT = new URL('../../', import.meta.url);
const read = (rel: string): string => readFileSync(new URL(rel, ROOT), 'utf8');

/** The text of every .ts file under src/ and runtimes/ (what the product is built from). */
const CODE = ['src', 'runtimes']
  .flatMap((dir) =>
    (readdirSync(new URL(dir, ROOT), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.includes('node_modules'))
      .map((f) => read(join(dir, f))),
  )
  .join('\n');

describe('README HTTP surface', () => {
  it('lists exactly the endpoints the gateway serves (own and server.passthrough_paths defaults)', () => {
    const documented = new Set(documentedEndpoints());
    const { own, passthrough } = servedEndpoints(loadDefaultConfig().config);
    const served = new Set([...own, ...passthrough].map((e) => `${e.method} ${e.path}`));
    expect([...documented].filter((x) => !served.has(x))).toEqual([]);
    expect([...served].filter((x) => !documented.has(x))).toEqual([]);
  });
});

describe('README headers and metrics', () => {
  it('names every x-vsr-* header the code sends or reads, and only those', () => {
    const inReadme = new Set(README.match(/x-vsr-[a-z-]*[a-z](?![-*a-z])/g) ?? []);
    const inCode = new Set(CODE.match(/x-vsr-[a-z-]*[a-z](?![-*a-z])/g) ?? []);
    expect([...inReadme].filter((h) => !inCode.has(h))).toEqual([]);
    expect([...inCode].filter((h) => !inReadme.has(h))).toEqual([]);
  });

  it('every metric the README or k8s/observability/README.md names is declared in the code', () => {
    const docs = README + read('k8s/observability/README.md');
    const named = new Set(
      ticks(docs)
        // Labels go (`llm_request_errors_total{reason}`); a brace inside the name is a list (`llm_classifier_pack_{info,size_bytes}`).
        .map((t) => t.replace(/(?<=[a-z0-9])\{[^}]*\}/g, ''))
        .flatMap(expand)
        .flatMap((t) => /^(?:llm|semroute|batch_classification|process|nodejs)_[a-z0-9_]+/.exec(t)?.[0] ?? [])
        // A metric name ends as Prometheus names do; `llm_usage` is a log event of the reference.
        .filter((n) => /_(total|seconds|bytes|info|count|entries|confidence|distribution|requests?|fds|size_bytes)$/.test(n)),
    );
    expect(named.size).toBeGreaterThan(30);
    // Reference names kept as aliases or recording rules, and those the observability README says are not exposed.
    const notExposed = /not exposed|reference name|recording rules/i;
    const missing = [...named].filter((n) => !new RegExp(`['"\`]${n}['"\`]`).test(CODE));
    const explained = missing.filter((n) => docs.split('\n\n').some((para) => para.includes(n) && notExposed.test(para)));
    expect(missing.filter((n) => !explained.includes(n))).toEqual([]);
  });

  it("semroute's own metrics (semroute_*) are all listed in the observability docs", () => {
    const docs = README + read('k8s/observability/README.md');
    const own = new Set(CODE.match(/['"`](semroute_[a-z_]+)['"`]/g)!.map((q) => q.slice(1, -1)));
    expect(own.size).toBeGreaterThan(2);
    expect([...own].filter((n) => !docs.includes(n))).toEqual([]);
  });
});

describe('README command-line flags', () => {
  it('lists exactly the flags of `semroute --help`, and none it says are refused', () => {
    const help = read('runtimes/node/main.ts');
    const offered = new Set([...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help'));
    const paragraph = /`npm start -- --help` \(`node dist\/semroute\.mjs --help`\) lists the flags:[\s\S]*?\n\n/.exec(README)![0];
    const listed = new Set(ticks(paragraph).flatMap((t) => /^(--[a-z-]+)/.exec(t)?.[1] ?? []));
    expect(listed).toEqual(offered);
    const refused = /its (`--[\s\S]*?) are refused as unknown options/.exec(README)![1]!;
    const refusedFlags = ticks(refused).filter((t) => t.startsWith('--'));
    expect(refusedFlags.length).toBeGreaterThan(3);
    expect(refusedFlags.filter((f) => offered.has(f))).toEqual([]);
  });
});

describe('README links', () => {
  it('every #anchor it links to is a heading (GitHub slug) or an <a id> of the file it names', () => {
    const slug = (h: string) => h.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
    const anchorsOf = (text: string) =>
      new Set([...[...text.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!)), ...[...text.matchAll(/<a id="([^"]+)">/g)].map((m) => m[1]!)]);
    const links = [...README.matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(links.length).toBeGreaterThan(3);
    const broken = links.filter(([file, anchor]) => !anchorsOf(file ? read(file) : README).has(anchor));
    expect(broken).toEqual([]);
  });
});

describe('README tracing', () => {
  it('names the spans the code emits, and lists the declared ones it does not emit as not emitted', async () => {
    const { SPAN } = await import('../../src/observability/tracing.ts');
    const declared = Object.values(SPAN) as string[];
    const byKey = new Map(Object.entries(SPAN));
    // Spans started by literal name, or through the SPAN table outside the table itself.
    const emitted = new Set([
      ...[...CODE.matchAll(/(?:withSpan|withSyncSpan|startClientSpan)\(\s*'(semantic_router\.[a-z_.]+)'/g)].map((m) => m[1]!),
      ...[...CODE.matchAll(/(?:withSpan|withSyncSpan|startClientSpan)\(\s*SPAN\.([A-Z_]+)/g)].map((m) => byKey.get(m[1]!)!),
    ]);
    const spansIn = (text: string) =>
      new Set(ticks(text).flatMap((t) => (/^(semantic_router)?\.[a-z_]+(\.[a-z_]+)*$/.test(t) ? [t.startsWith('.') ? `semantic_router${t}` : t] : [])));
    const observability = /^- \*\*Tracing\*\*[\s\S]*?(?=^- \*\*)/m.exec(section('Observability'))![0];
    const named = [...spansIn(observability)].filter((n) => declared.includes(n));
    expect(new Set(named)).toEqual(emitted);
    const differences = /^- Tracing:([\s\S]*?)are not emitted/m.exec(section('Differences from the vLLM Semantic Router'))![1]!;
    expect(new Set([...spansIn(differences)].filter((n) => declared.includes(n)))).toEqual(new Set(declared.filter((n) => !emitted.has(n))));
  });
});

describe('README paths', () => {
  it('every repository path it names exists', () => {
    const links = [...README.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    const top = new Set(readdirSync(ROOT));
    const named = [...ticks(README), ...links].filter(
      // Paths from the repository root (`src/guard/`, `bench/usage-strip.ts`); not `vllm-sr/auto`, globs or
      // the folder a user makes (`models/my-bert`).
      (t) => /^[\w.-]+(\/[\w.-]+)+\/?$/.test(t) && top.has(t.split('/')[0]!) && t !== 'models/my-bert',
    );
    const commands = README.match(/\b(?:bench|test|runtimes|models|src)\/[\w./-]+\.(?:ts|mts|mjs)\b/g) ?? [];
    const paths = [...new Set([...named, ...commands])];
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((p) => { try { statSync(new URL(p, ROOT)); return false; } catch { return true; } })).toEqual([]);
  });
});

describe('README Models table and cache figures', () => {
  const rows = new Map(tableRows(section('Models')).map((r) => [/\[`([^`]+)`\]/.exec(r[0]!)?.[1] ?? '', r]));
  const card = (pack: string): string => read(`models/${pack}/MODEL_CARD.md`);
  const num = (text: string, re: RegExp): number => {
    const m = re.exec(text);
    if (!m) throw new Error(`not found: ${re}`);
    return Number(m[1]);
  };

  it("the bring-your-own-model manifest and both labels.json shapes it shows are accepted by the pack loader", () => {
    const blocks = [...section('Models').matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));
    expect(blocks).toHaveLength(1);
    expect(validateManifest(blocks[0]).task).toBe('sequence-classification');
    expect(parseLabels({ idx_to_category: { '0': 'math', '1': 'code' } })).toBeTruthy();
    expect(parseLabels({ id_to_label: { '0': 'math', '1': 'code' } })).toBeTruthy();
  });

  it('pack sizes are the model.onnx sizes, and the total is their sum', () => {
    let total = 0;
    for (const pack of ['domain', 'intent', 'jailbreak', 'pii', 'embedding']) {
      const mib = statSync(new URL(`models/${pack}/model.onnx`, ROOT)).size / 1024 / 1024;
      total += mib;
      expect(rows.get(pack)?.[2], pack).toBe(`${mib.toFixed(1)} MiB`);
    }
    expect(section('Models')).toContain(`(${(Math.floor(total * 10) / 10).toFixed(1)} MiB in all`);
  });

  it('dev scores are the ones each MODEL_CARD.md reports', () => {
    const checks: Array<[string, string, number, number]> = [
      ['domain', 'accuracy', num(card('domain'), /\| dev accuracy \| [^|]+ \| ([\d.]+) \|/), 3],
      ['intent', 'macro-F1', num(card('intent'), /\| dev macro-F1 \| [^|]+ \| ([\d.]+) \|/), 3],
      ['intent', 'creative_writing recall', num(card('intent'), /\| creative_writing recall \| [^|]+ \| ([\d.]+) \|/), 2],
      ['intent', 'Arena-Hard + MT-bench accuracy', num(card('intent'), /\| accuracy on Arena-Hard \+ MT-bench dev rows \| [^|]+ \| ([\d.]+) \|/), 3],
      ['jailbreak', 'F1', num(card('jailbreak'), /\| dev F1 \(jailbreak\) \| [^|]+ \| ([\d.]+) \|/), 3],
      ['jailbreak', 'FPR', num(card('jailbreak'), /\| false-positive rate on benign \| [^|]+ \| ([\d.]+) \|/), 3],
      ['jailbreak', 'prompt-injection recall', num(card('jailbreak'), /\| prompt-injection recall[^|]*\| [^|]+ \| ([\d.]+) \|/), 2],
      ['pii', 'micro-F1', num(card('pii'), /full detector: micro-F1 ([\d.]+)/), 3],
      ['embedding', 'AUC', num(card('embedding'), /^Chosen: .*?AUC ([\d.]+)/m), 3],
    ];
    for (const [pack, label, value, digits] of checks) {
      expect(rows.get(pack)?.[3], `${pack} ${label}`).toContain(`${label} ${value.toFixed(digits)}`);
    }
    const hits = /paraphrase vs its original question: (\d+)\/(\d+) at or above 0\.8/.exec(card('embedding'))!;
    expect(rows.get('embedding')?.[3]).toContain(`vsr paraphrases ${hits[1]} of ${hits[2]} >= 0.8`);
  });

  it('the Semantic cache section quotes the embedding card', () => {
    const c = card('embedding');
    const [, n, total, min] = /paraphrase vs its original question: (\d+)\/(\d+) at or above 0\.8 \(min ([\d.]+)\)/.exec(c)!;
    const crossMax = /Questions of different sets: \d+\/\d+ below 0\.8 \(max ([\d.]+)\)/.exec(c)![1];
    const diffAt08 = /CLINC different-intent pairs: [^;]*?([\d.]+%) at or above 0\.8/.exec(c)![1];
    const text = section('Semantic cache').replace(/\s+/g, ' ');
    expect(text).toContain(`${n} of ${total} paraphrases hit at 0.8 (lowest ${min})`);
    expect(text).toContain(`(highest ${crossMax})`);
    expect(text).toContain(`${diffAt08} of different-intent pairs reach 0.8`);
  });
});
