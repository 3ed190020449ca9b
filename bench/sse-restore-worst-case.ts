// Worst-case inputs for reading an answer for the taps: the loose placeholder match and the stream
// restorer (src/guard/redaction.ts) over 1 MB answers full of '<', '< ', long runs of letters,
// underscores and spaces; the SSE splitter (src/upstream/sse-events.ts) over one huge event cut in
// 16 KiB pieces and over 50 MB of ordinary events. Prints ms per input; run before/after a change:
//   npx tsx bench/sse-restore-worst-case.ts
import { restoreTap, restoreText, StreamRestorer } from '../src/guard/redaction.ts';
import { collectPlaceholders } from '../src/guard/placeholders.ts';
import { SseEventSplitter } from '../src/upstream/sse-events.ts';

const MB = 1 << 20;
const restore = new Map([['<EMAIL_ADDRESS_1>', 'jane@example.com'], ['<PERSON_1>', 'Jane Doe']]);
const inputs: Record<string, string> = {
  'all <': '<'.repeat(MB),
  '< < <': '< '.repeat(MB / 2),
  '<aaaa… (1 MB)': `<${'a'.repeat(MB - 1)}`,
  '<64 letters': `<${'a'.repeat(64)}`.repeat(Math.floor(MB / 65)),
  '<200 underscores': `<${'_'.repeat(200)}`.repeat(Math.floor(MB / 201)),
  '<63 spaces': `<${' '.repeat(63)}`.repeat(Math.floor(MB / 64)),
  'retyped placeholders': '<email address 1> '.repeat(Math.floor(MB / 18)),
  'plain text': 'hello world '.repeat(MB / 12),
};

const time = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

for (const [name, text] of Object.entries(inputs)) {
  const whole = time(() => restoreText(text, restore));
  const collect = time(() => collectPlaceholders(text, new Set()));
  const perChunk = [1, 16, 4096].map((size) => {
    const r = new StreamRestorer(restore);
    const ms = time(() => {
      for (let i = 0; i < text.length; i += size) r.push(text.slice(i, i + size));
      r.flush();
    });
    return `${size} ch: ${((ms * 1000) / Math.ceil(text.length / size)).toFixed(2)} us/chunk`;
  });
  console.log(`${name.padEnd(22)} restoreText ${whole.toFixed(1)} ms, collect ${collect.toFixed(1)} ms, stream ${perChunk.join(', ')}`);
}

const tap = restoreTap(restore);
const n = 20_000;
const tapMs = time(() => {
  for (let i = 0; i < n; i++) tap.chunk!({ id: 'x', choices: [{ index: 0, delta: { content: `word <EMA${i % 2 ? 'IL_ADDRESS_1> ' : ''}` }, finish_reason: null }] });
});
console.log(`restoreTap.chunk: ${((tapMs * 1000) / n).toFixed(2)} us/chunk`);

for (const total of [MB, 4 * MB, 16 * MB]) {
  const sp = new SseEventSplitter();
  const piece = 'x'.repeat(16384);
  const ms = time(() => {
    for (let i = 0; i < total; i += piece.length) sp.push(piece);
    sp.finish();
  });
  console.log(`splitter: one ${total / MB} MB event in 16 KiB pieces: ${ms.toFixed(0)} ms`);
}
const ev = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"lorem ipsum dolor"},"finish_reason":null}]}\n\n';
const stream = ev.repeat(Math.ceil((50 * MB) / ev.length));
const sp = new SseEventSplitter();
let events = 0;
const ms = time(() => {
  for (let i = 0; i < stream.length; i += 16384) events += sp.push(stream.slice(i, i + 16384)).length;
});
console.log(`splitter: 50 MB of ${ev.length}-char events in 16 KiB pieces: ${ms.toFixed(0)} ms, ${events} events`);
