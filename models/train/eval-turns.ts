// `npm run eval -- jailbreak <dev|train> --guard --turns [--json] [--max-turns N] [--max-chars C]`
// The jailbreak guard on multi-turn chats, through the gateway's own text list (pipeline/guard.ts
// textsToScan, scan_roles [user]) and scanJailbreak, on the jailbreak pack's split (data.ts):
// (a) split attacks: each jailbreak text of 2+ sentences cut at sentence boundaries into 2-4 parts
//     sent as consecutive user messages, alone and with a benign assistant turn between parts;
// (b) benign conversations: 2-4 consecutive benign texts as user turns (3 seeded groupings).
// Each is scored per message only (the guard before the joined-turns scan) and with it (the joined
// text's windows across a turn boundary, as the gateway scores them).
// --max-turns / --max-chars score other joined-text bounds (chosen on train, src/guard/turns.ts).
import { createHash } from 'node:crypto';
import { resolvePackPath } from '../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { loadPack } from '../../src/classify/pack-loader.ts';
import { createSequenceClassifier } from '../../src/classify/sequence-classifier.ts';
import type { SequenceClassifier } from '../../src/classify/types.ts';
import { scanJailbreak } from '../../src/guard/jailbreak.ts';
import { MAX_JOINED_CHARS, MAX_JOINED_TURNS } from '../../src/guard/turns.ts';
import type { ChatMessage, PipelineContext } from '../../src/pipeline/context.ts';
import { textsToScan } from '../../src/pipeline/guard.ts';
import { extractTexts } from '../../src/pipeline/texts.ts';
import { loadTask, split, type Row } from './data.ts';
import { rng } from './rng.ts';

/** Benign assistant turns put between the parts of an attack (variant "with assistant turns"). */
const REPLIES = ['Understood.', 'Sure, go on.', 'OK. What would you like me to do next?', 'Got it, please continue.'];

const hash32 = (s: string) => createHash('sha256').update(s).digest().readUInt32BE(0);

/** Sentences, each with the whitespace after it, so parts joined back give the text again. */
export function sentences(text: string): string[] {
  return text.match(/[^.!?\n]*(?:[.!?]+|\n+|$)\s*/g)?.filter((s) => s.trim()) ?? [];
}

/** `text` cut at sentence boundaries into 2-4 parts (fixed by the text's hash) of about equal length; undefined under 2 sentences. */
export function splitAttack(text: string): string[] | undefined {
  const s = sentences(text);
  if (s.length < 2) return undefined;
  const k = Math.min(s.length, 2 + (hash32(text) % 3));
  const total = s.reduce((n, x) => n + x.length, 0);
  const parts: string[] = [];
  let cur = '';
  let done = 0;
  s.forEach((x, i) => {
    cur += x;
    done += x.length;
    const left = s.length - i - 1; // sentences still to place
    const partsLeft = k - parts.length - 1; // parts still to fill after this one
    if (partsLeft > 0 && (done >= (total * (parts.length + 1)) / k || left === partsLeft)) {
      parts.push(cur.trim());
      cur = '';
    }
  });
  if (cur.trim()) parts.push(cur.trim());
  return parts.length >= 2 ? parts : undefined;
}

export interface Bounds {
  maxTurns: number;
  maxChars: number;
}

/** The guard's verdict on a chat: per message only, and with the joined turns' boundary windows (at `bounds`). */
async function verdicts(clf: SequenceClassifier, messages: ChatMessage[], bounds: Bounds): Promise<{ alone: boolean; joined: boolean }> {
  const ctx = { body: { messages }, texts: extractTexts(messages) } as unknown as PipelineContext;
  const alone = await scanJailbreak(clf, textsToScan(ctx, ['user'], { turns: 0 }).texts, clf.threshold);
  if (alone.blocked) return { alone: true, joined: true };
  // The gateway's own list (the stage's default window, 512), its boundary windows marked as it marks them.
  const list = textsToScan(ctx, ['user'], { turns: bounds.maxTurns, maxChars: bounds.maxChars });
  const v = await scanJailbreak(clf, list.texts, clf.threshold, { views: list.seams });
  return { alone: false, joined: v.blocked };
}

const userTurns = (parts: string[], replies: boolean): ChatMessage[] =>
  parts.flatMap((p, i) => [
    ...(replies && i > 0 ? [{ role: 'assistant', content: REPLIES[i % REPLIES.length] } as ChatMessage] : []),
    { role: 'user', content: p } as ChatMessage,
  ]);

export interface TurnsReport {
  split: string;
  bounds: Bounds;
  attacks: { rows: number; splittable: number; whole_caught: number; variants: Record<string, { alone: number; joined: number; parts_all_pass: number; parts_all_pass_caught: number }> };
  benign: { conversations: number; alone_fp: number; joined_fp: number };
}

export async function evaluateTurns(splitName: 'dev' | 'train', bounds: Bounds = { maxTurns: MAX_JOINED_TURNS, maxChars: MAX_JOINED_CHARS }): Promise<TurnsReport> {
  const { source, dir } = resolvePackPath('jailbreak');
  const pack = await loadPack(source, dir, createNodeEngine('cpu'));
  try {
    return await evaluateTurnsOn(createSequenceClassifier(pack), split('jailbreak', loadTask('jailbreak'))[splitName], splitName, bounds);
  } finally {
    await pack.session.release?.();
  }
}

/** The report for `rows` scored by `clf` (the shipped pack, or eval-turns-choice.ts's held-out model). */
export async function evaluateTurnsOn(clf: SequenceClassifier, rows: Row[], splitName: string, bounds: Bounds): Promise<TurnsReport> {
  const attacks = rows.filter((r) => r.label === 'jailbreak');
  const benign = rows.filter((r) => r.label !== 'jailbreak');
  const report: TurnsReport = { split: splitName, bounds, attacks: { rows: attacks.length, splittable: 0, whole_caught: 0, variants: {} }, benign: { conversations: 0, alone_fp: 0, joined_fp: 0 } };

  for (const replies of [false, true]) {
    const v = (report.attacks.variants[replies ? 'with_assistant_turns' : 'user_turns_only'] = { alone: 0, joined: 0, parts_all_pass: 0, parts_all_pass_caught: 0 });
    for (const r of attacks) {
      const parts = splitAttack(r.text);
      if (!parts) continue;
      if (!replies) {
        report.attacks.splittable++;
        if ((await scanJailbreak(clf, [r.text], clf.threshold)).blocked) report.attacks.whole_caught++;
      }
      const got = await verdicts(clf, userTurns(parts, replies), bounds);
      v.alone += +got.alone;
      v.joined += +got.joined;
      if (!got.alone) {
        v.parts_all_pass++;
        v.parts_all_pass_caught += +got.joined;
      }
    }
  }

  for (const seed of [1, 2, 3]) {
    const order = shuffled(benign, seed);
    const rand = rng(seed * 7919);
    for (let i = 0; i + 1 < order.length; ) {
      const n = Math.min(order.length - i, 2 + Math.floor(rand() * 3));
      const got = await verdicts(clf, userTurns(order.slice(i, i + n).map((r) => r.text), false), bounds);
      report.benign.conversations++;
      report.benign.alone_fp += +got.alone;
      report.benign.joined_fp += +got.joined;
      i += n;
    }
  }
  return report;
}

function shuffled(rows: Row[], seed: number): Row[] {
  const a = rows.slice();
  const rand = rng(seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const pct = (a: number, n: number) => `${a}/${n} = ${n ? (a / n).toFixed(4) : '-'}`;

export function printTurns(r: TurnsReport): void {
  const a = r.attacks;
  console.log(`jailbreak pack, ${r.split} split, scan_roles [user], joined turns: last ${r.bounds.maxTurns}, <= ${r.bounds.maxChars} chars`);
  console.log(`split attacks: ${a.splittable} of ${a.rows} jailbreak texts have 2+ sentences; whole text caught ${pct(a.whole_caught, a.splittable)}`);
  for (const [name, v] of Object.entries(a.variants)) {
    console.log(`  ${name}: recall per message only ${pct(v.alone, a.splittable)}, with joined turns ${pct(v.joined, a.splittable)}; every part passing alone: ${v.parts_all_pass}, of them caught ${pct(v.parts_all_pass_caught, v.parts_all_pass)}`);
  }
  const b = r.benign;
  console.log(`benign conversations (2-4 user turns, 3 groupings): FPR per message only ${pct(b.alone_fp, b.conversations)}, with joined turns ${pct(b.joined_fp, b.conversations)}`);
}

/** Called by eval.ts for `--turns`. */
export async function turnsMain(argv: string[]): Promise<number> {
  const pos = argv.filter((a, i) => !a.startsWith('--') && !/^--max-(turns|chars)$/.test(argv[i - 1] ?? ''));
  const num = (flag: string, d: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : d);
  const bounds = { maxTurns: num('--max-turns', MAX_JOINED_TURNS), maxChars: num('--max-chars', MAX_JOINED_CHARS) };
  if (pos[0] !== 'jailbreak' || !['dev', 'train'].includes(pos[1] ?? '') || !Number.isInteger(bounds.maxTurns) || !(bounds.maxChars > 0)) {
    console.error('usage: npm run eval -- jailbreak <dev|train> --guard --turns [--json] [--max-turns N] [--max-chars C]');
    return 2;
  }
  const r = await evaluateTurns(pos[1] as 'dev' | 'train', bounds);
  if (argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else printTurns(r);
  return 0;
}
