// The reference's batch_classification_* metrics for /api/v1/classify/batch (vsr.md 4.1): time by
// batch_size_range, texts per batch, refusals by error_type, each by processing_type as the reference
// labels them all (vsr.md lists texts_total and size_distribution bare; its metrics.go does not). Ranges come from
// api.batch_classification.metrics.batch_size_ranges (vsr.md 1.1), else the reference's defaults.
import type { AppDeps } from '../deps.ts';

export interface BatchSizeRange {
  min: number;
  /** -1: no upper limit (the reference's convention). */
  max: number;
  label: string;
}

/** The reference's default ranges (used when the config names none). */
export const DEFAULT_BATCH_SIZE_RANGES: BatchSizeRange[] = [
  { min: 1, max: 1, label: '1' },
  { min: 2, max: 5, label: '2-5' },
  { min: 6, max: 10, label: '6-10' },
  { min: 11, max: 20, label: '11-20' },
  { min: 21, max: 50, label: '21-50' },
  { min: 51, max: -1, label: '50+' },
];

/** semroute classifies a batch's texts one after another. */
export const PROCESSING_TYPE = 'sequential';

export function batchSizeRange(size: number, ranges: BatchSizeRange[]): string {
  const list = ranges.length ? ranges : DEFAULT_BATCH_SIZE_RANGES;
  const r = list.find((x) => size >= x.min && (x.max === -1 || size <= x.max));
  return r?.label ?? 'unknown';
}

function configuredRanges(deps: AppDeps): BatchSizeRange[] {
  return deps.config.api.batch_classification.metrics?.batch_size_ranges ?? [];
}

export function recordBatchDone(deps: AppDeps, size: number, seconds: number): void {
  deps.metrics.inc('batch_classification_requests_total', { processing_type: PROCESSING_TYPE });
  deps.metrics.inc('batch_classification_texts_total', { processing_type: PROCESSING_TYPE }, size);
  deps.metrics.observe('batch_classification_size_distribution', { processing_type: PROCESSING_TYPE }, size);
  deps.metrics.observe('batch_classification_duration_seconds', { processing_type: PROCESSING_TYPE, batch_size_range: batchSizeRange(size, configuredRanges(deps)) }, seconds);
}

// A refused batch is a request too, so errors stay a subset of requests (errors/requests <= 1, the
// ratio a dashboard draws); vsr.md names both counters but not which requests the first counts.
export function recordBatchError(deps: AppDeps, errorType: string): void {
  deps.metrics.inc('batch_classification_requests_total', { processing_type: PROCESSING_TYPE });
  deps.metrics.inc('batch_classification_errors_total', { processing_type: PROCESSING_TYPE, error_type: errorType });
}
