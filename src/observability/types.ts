// Observability contracts used across the core. Implementations live beside them in
// src/observability (runtime-agnostic registry, tracing helpers) and in runtimes/* (pino on Node).

import type { LabelsOf } from './label-values.ts';

export type Labels = Record<string, string>;

/** Metric names follow the vLLM Semantic Router's (see ../shared/reference/vsr.md section 4.1). */
export interface Metrics {
  /** A metric with declared label values (label-values.ts) takes only those: tsc checks each call. */
  inc<N extends string>(name: N, labels?: LabelsOf<N>, value?: number): void;
  observe(name: string, labels: Labels, value: number): void;
  set(name: string, labels: Labels, value: number): void;
  /** Drops every series of a metric: for gauges that describe what is loaded now and are replaced whole. */
  clear?(name: string): void;
  /** Prometheus text exposition format. */
  render(): string;
}

/** pino-compatible subset: structured object first, message second. Never log prompt text or PII. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child?(bindings: object): Logger;
}

export interface Clock {
  /** Monotonic milliseconds, for durations. */
  now(): number;
  /** Wall-clock Unix milliseconds, for ids and TTLs. */
  wallMs(): number;
}
