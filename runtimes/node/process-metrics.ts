// Node process metrics with the names prom-client / the Prometheus client conventions use, sampled at
// scrape time through a registry collector (no timers, except the event-loop delay monitor).
import { readdirSync } from 'node:fs';
import { PerformanceObserver, constants as perf, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Registry } from '../../src/observability/registry.ts';

export interface ProcessMetricsHandle {
  stop(): void;
}

const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export function registerProcessMetrics(metrics: Registry): ProcessMetricsHandle {
  const g = (name: string, help: string, labels: string[] = []) => metrics.declare({ name, help, type: 'gauge', labels });
  const c = (name: string, help: string) => metrics.declare({ name, help, type: 'counter' });
  c('process_cpu_user_seconds_total', 'User CPU time spent, in seconds.');
  c('process_cpu_system_seconds_total', 'System CPU time spent, in seconds.');
  c('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.');
  g('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.');
  g('process_resident_memory_bytes', 'Resident memory size, in bytes.');
  g('process_heap_bytes', 'Process heap size, in bytes.');
  g('process_open_fds', 'Open file descriptors.');
  g('nodejs_heap_size_total_bytes', 'V8 heap size, in bytes.');
  g('nodejs_heap_size_used_bytes', 'V8 heap used, in bytes.');
  g('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects (includes ONNX tensors handed to JS), in bytes.');
  g('nodejs_array_buffers_bytes', 'Memory held by ArrayBuffers and SharedArrayBuffers, in bytes.');
  g('nodejs_active_resources', 'Active libuv resources keeping the event loop alive, by type.', ['type']);
  g('nodejs_eventloop_lag_seconds', 'Mean event loop delay since the previous scrape, in seconds.');
  g('nodejs_eventloop_lag_p99_seconds', '99th percentile event loop delay since the previous scrape, in seconds.');
  g('nodejs_eventloop_lag_max_seconds', 'Largest event loop delay since the previous scrape, in seconds.');
  g('nodejs_version_info', 'Node.js version (value 1).', ['version', 'major']);
  metrics.declare({
    name: 'nodejs_gc_duration_seconds',
    help: 'Garbage collection pauses by kind (minor, major, incremental, weakcb), in seconds.',
    type: 'histogram',
    labels: ['kind'],
    buckets: LAG_BUCKETS,
  });

  const startSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);
  metrics.set('process_start_time_seconds', {}, startSeconds);
  metrics.set('nodejs_version_info', { version: process.version, major: process.version.split('.')[0]!.slice(1) }, 1);

  // Every resource type seen so far: one that has gone reads 0, not the count of the scrape it was last
  // seen at (an idle gateway showed the Timeouts of its last busy moment for good). libuv's types are a
  // short fixed list, so this stays small.
  const resourceTypes = new Set<string>();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let stopped = false;

  const gcKinds: Record<number, string> = {
    [perf.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [perf.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [perf.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [perf.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as unknown as { detail?: { kind?: number } }).detail;
      const kind = gcKinds[detail?.kind ?? -1] ?? 'other';
      metrics.observe('nodejs_gc_duration_seconds', { kind }, e.duration / 1000);
    }
  });
  gc.observe({ entryTypes: ['gc'] });

  metrics.addCollector(() => {
    if (stopped) return;
    const cpu = process.cpuUsage();
    metrics.set('process_cpu_user_seconds_total', {}, cpu.user / 1e6);
    metrics.set('process_cpu_system_seconds_total', {}, cpu.system / 1e6);
    metrics.set('process_cpu_seconds_total', {}, (cpu.user + cpu.system) / 1e6);
    const mem = process.memoryUsage();
    metrics.set('process_resident_memory_bytes', {}, mem.rss);
    metrics.set('process_heap_bytes', {}, mem.heapTotal);
    metrics.set('nodejs_heap_size_total_bytes', {}, mem.heapTotal);
    metrics.set('nodejs_heap_size_used_bytes', {}, mem.heapUsed);
    metrics.set('nodejs_external_memory_bytes', {}, mem.external);
    metrics.set('nodejs_array_buffers_bytes', {}, mem.arrayBuffers);
    const fds = openFds();
    if (fds !== undefined) metrics.set('process_open_fds', {}, fds);
    const counts = new Map<string, number>();
    for (const t of process.getActiveResourcesInfo()) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const t of counts.keys()) resourceTypes.add(t);
    for (const type of resourceTypes) metrics.set('nodejs_active_resources', { type }, counts.get(type) ?? 0);
    // The histogram reports nanoseconds; NaN (no samples yet) is skipped by the registry.
    metrics.set('nodejs_eventloop_lag_seconds', {}, delay.mean / 1e9);
    metrics.set('nodejs_eventloop_lag_p99_seconds', {}, delay.percentile(99) / 1e9);
    metrics.set('nodejs_eventloop_lag_max_seconds', {}, delay.max / 1e9);
    delay.reset();
  });

  return {
    stop() {
      stopped = true;
      delay.disable();
      gc.disconnect();
    },
  };
}

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}
