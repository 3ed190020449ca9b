// CPU cost of the jailbreak guard's joined-turns scan (src/guard/turns.ts) on a 4-turn chat: the
// guard's own text list (pipeline/guard.ts textsToScan, scan_roles [user]) scanned by scanJailbreak
// with the shipped pack on onnxruntime-node CPU, with the joined text and without it, alternating in
// blocks so drift on a shared machine hits both alike. Every request has new text (a case tag).
//   nice npx tsx bench/guard-turns.ts [--runs 2000]
import { resolvePackPath } from '../runtimes/node/file-source.ts';
import { createNodeEngine } from '../runtimes/node/ort-engine.ts';
import { loadPack } from '../src/classify/pack-loader.ts';
import { createSequenceClassifier } from '../src/classify/sequence-classifier.ts';
import { scanJailbreak } from '../src/guard/jailbreak.ts';
import type { ChatMessage, PipelineContext } from '../src/pipeline/context.ts';
import { textsToScan } from '../src/pipeline/guard.ts';
import { extractTexts } from '../src/pipeline/texts.ts';
import { cliArg, REQUEST } from './timing.ts';

const runs = Number(cliArg(process.argv.slice(2), 'runs', '2000'));
const { source, dir } = resolvePackPath('jailbreak');
const pack = await loadPack(source, dir, createNodeEngine('cpu'));
const clf = createSequenceClassifier(pack);

// Short turns: the ~1,100-character REQUEST cut into 4 user turns (~280 characters each), with
// assistant answers between. Long turns: 4 user turns of ~1,100 characters each.
const words = REQUEST.split(' ');
const quarter = Math.ceil(words.length / 4);
const SHORT = [0, 1, 2, 3].map((i) => words.slice(i * quarter, (i + 1) * quarter).join(' '));
const LONG = [0, 1, 2, 3].map((i) => `${REQUEST} Turn ${i}.`);

function chat(turns: string[], n: number): PipelineContext {
  const messages: ChatMessage[] = turns.flatMap((t, i) => [
    ...(i ? [{ role: 'assistant', content: 'Here is what I found; tell me if you need more detail.' } as ChatMessage] : []),
    { role: 'user', content: `${t} Case ${(n * 7919 + i).toString(36)}.` } as ChatMessage,
  ]);
  return { body: { messages }, texts: extractTexts(messages) } as unknown as PipelineContext;
}

/** CPU microseconds (user + system) and windows per request over `count` requests. */
async function block(turns: string[], join: boolean, start: number, count: number): Promise<{ cpu: number; windows: number }> {
  const c0 = process.cpuUsage();
  let windows = 0;
  for (let i = 0; i < count; i++) {
    const v = await scanJailbreak(clf, textsToScan(chat(turns, start + i), ['user'], join), clf.threshold);
    windows += v.windows ?? 0;
  }
  const c = process.cpuUsage(c0);
  return { cpu: c.user + c.system, windows };
}

for (const [name, turns] of [['short turns (4 x ~280 chars)', SHORT], ['long turns (4 x ~1,100 chars)', LONG]] as const) {
  await block(turns, true, 1e6, 200); // warm-up
  const sum = { with: { cpu: 0, windows: 0 }, without: { cpu: 0, windows: 0 } };
  const B = 100;
  for (let done = 0; done < runs; done += B) {
    for (const join of [false, true]) {
      const r = await block(turns, join, done, B);
      const s = join ? sum.with : sum.without;
      s.cpu += r.cpu;
      s.windows += r.windows;
    }
  }
  const per = (s: { cpu: number; windows: number }) => `${(s.cpu / runs).toFixed(0)} us CPU, ${(s.windows / runs).toFixed(2)} classifier calls`;
  console.log(`${name}, ${runs} requests each: per message only ${per(sum.without)}; with joined turns ${per(sum.with)}; extra ${((sum.with.cpu - sum.without.cpu) / runs).toFixed(0)} us per request`);
}
await pack.session.release?.();
