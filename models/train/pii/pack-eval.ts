// Score a PII pack on rows through the full detector (ONNX model via onnxruntime-node + recognizers),
// exactly as the gateway runs it.
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadPack } from '../../../src/classify/pack-loader.ts';
import { createPiiDetector } from '../../../src/classify/pii/detector.ts';
import { createTokenClassifier } from '../../../src/classify/token-classifier.ts';
import type { PiiDetector } from '../../../src/classify/types.ts';
import { createFileSource, resolvePackPath } from '../../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../../runtimes/node/ort-engine.ts';
import type { PiiRow } from './data.ts';
import { scoreSpans, type SpanReport } from './metrics.ts';

export const INFORMAL_TYPES = ['PERSON', 'ORGANIZATION', 'GPE'] as const;

/** `packDir`: a folder path, or a pack name under models/ (as `npm run eval -- pii ...` passes it). */
export async function loadPiiDetector(packDir: string, threshold?: number): Promise<PiiDetector> {
  const abs = resolve(packDir);
  const pack = existsSync(join(abs, 'manifest.json'))
    ? await loadPack(createFileSource(dirname(abs)), basename(abs), createNodeEngine('cpu'))
    : await (async () => {
        const { source, dir } = resolvePackPath(packDir);
        return loadPack(source, dir, createNodeEngine('cpu'));
      })();
  const clf = createTokenClassifier(pack, threshold);
  return createPiiDetector(clf, { name: pack.info.name, threshold: threshold ?? pack.manifest.threshold ?? 0.5 });
}

export interface PiiEvalReport {
  /** Template-style (Presidio) rows, every type. */
  presidio: SpanReport;
  /** Social-media rows (WNUT-17), PERSON / ORGANIZATION / GPE only. */
  informal: SpanReport;
}

export async function scoreRows(det: PiiDetector, rows: PiiRow[]): Promise<PiiEvalReport> {
  const run = async (rs: PiiRow[]) => {
    const out = [];
    for (const r of rs) out.push({ gold: r.spans, pred: await det.detect(r.text) });
    return out;
  };
  return {
    presidio: scoreSpans(await run(rows.filter((r) => r.source !== 'wnut17'))),
    informal: scoreSpans(await run(rows.filter((r) => r.source === 'wnut17')), INFORMAL_TYPES),
  };
}

/** p50 / p95 of detector latency on one text, in ms (after warm-up). */
export async function detectLatency(det: PiiDetector, text: string, n = 300): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 30; i++) await det.detect(text);
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await det.detect(text);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { p50: t[Math.floor(n / 2)]!, p95: t[Math.floor(n * 0.95)]! };
}

/** About 200 word tokens of ordinary request text with a few PII values in it. */
export const LATENCY_TEXT = (
  'Hi team, my name is Maria Keller and I work for Northwind Traders in Lisbon. Please update the billing ' +
  'address to 221 Baker Street, London NW1 6XE and send the invoice to maria.keller@example.com before ' +
  'March 3, 2024. You can call me on +44 20 7946 0958 if anything is unclear. '
).repeat(4);
