// CPU cost of the jailbreak guard's joined-turns scan (src/guard/turns.ts) on a 4-turn chat: the
// guard's own text list (pipeline/guard.ts textsToScan, scan_roles [user]) scanned by scanJailbreak
// with the shipped pack on onnxruntime-node CPU: per message only, with the joined text's windows
// across turn boundaries (the guard), and with the whole joined text windowed (148db23's scan),
// alternating in blocks so drift on a shared machine hits all alike. Every request has new text.
//   nice npx tsx bench/guard-turns.ts [--runs 2000]
import { resolvePackPath } from '../runtimes/node/file-source.ts';
import { createNodeEngine } from '../runtimes/node/ort-engine.ts';
import { loadPack } from '../src/classify/pack-loader.ts';
import { createSequenceClassifier } from '../src/classify/sequence-classifier.ts';
import { scanJailbreak } from '../src/guard/jailbreak.ts';
import type { ChatMessage, PipelineContext } from '../src/pipeline/context.ts';
import { textsToScan } from '../src/pipeline/guard.ts';
import { joinedUserTurns } from '../src/guard/turns.ts';
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

type Mode = 'alone' | 'seams' | 'whole';
const MODES: Mode[] = ['alone', 'seams', 'whole'];

/** The texts (and boundary windows) scanned in `mode`. */
function scanOf(ctx: PipelineContext, mode: Mode): { texts: string[]; views?: ReadonlySet<number> } {
  if (mode === 'seams') {
    const l = textsToScan(ctx, ['user']);
    return { texts: l.texts, views: l.seams };
  }
  const texts = textsToScan(ctx, ['user'], { turns: 0 }).texts;
  const whole = mode === 'whole' ? joinedUserTurns(ctx.texts?.user) : undefined;
  return { texts: whole ? [...texts, whole] : texts };
}

/** CPU microseconds (user + system) and windows per request over `count` requests. */
async function block(turns: string[], mode: Mode, start: number, count: number): Promise<{ cpu: number; windows: number }> {
  const c0 = process.cpuUsage();
  let windows = 0;
  for (let i = 0; i < count; i++) {
    const { texts, views } = scanOf(chat(turns, start + i), mode);
    const v = await scanJailbreak(clf, texts, clf.threshold, { views });
    windows += v.windows ?? 0;
  }
  const c = process.cpuUsage(c0);
  return { cpu: c.user + c.system, windows };
}

for (const [name, turns] of [['short turns (4 x ~280 chars)', SHORT], ['long turns (4 x ~1,100 chars)', LONG]] as const) {
  await block(turns, 'seams', 1e6, 200); // warm-up
  const sum = Object.fromEntries(MODES.map((m) => [m, { cpu: 0, windows: 0 }])) as Record<Mode, { cpu: number; windows: number }>;
  const B = 100;
  for (let done = 0; done < runs; done += B) {
    for (const mode of MODES) {
      const r = await block(turns, mode, done, B);
      sum[mode].cpu += r.cpu;
      sum[mode].windows += r.windows;
    }
  }
  const per = (s: { cpu: number; windows: number }) => `${(s.cpu / runs).toFixed(0)} us CPU, ${(s.windows / runs).toFixed(2)} classifier calls`;
  const extra = (m: Mode) => ((sum[m].cpu - sum.alone.cpu) / runs).toFixed(0);
  console.log(`${name}, ${runs} requests each: per message only ${per(sum.alone)}; + boundary windows ${per(sum.seams)} (extra ${extra('seams')} us); + whole joined text ${per(sum.whole)} (extra ${extra('whole')} us)`);
}
await pack.session.release?.();
