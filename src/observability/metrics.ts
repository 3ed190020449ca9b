// Runtime-agnostic Prometheus registry. Stub: the observability work replaces it with the real one.
import type { Labels, Metrics } from './types.ts';

export function createMetrics(): Metrics {
  return {
    inc(_name: string, _labels?: Labels, _value?: number) {},
    observe(_name: string, _labels: Labels, _value: number) {},
    set(_name: string, _labels: Labels, _value: number) {},
    render: () => '',
  };
}
