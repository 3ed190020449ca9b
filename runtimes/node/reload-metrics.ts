// The config reload's metrics (runtimes/node/config-reload.ts). Declared here so the dashboard and
// alert tests can check their queries against the same names.
import type { Registry } from '../../src/observability/registry.ts';

export const RELOADS_METRIC = 'semroute_config_reloads_total';
export const LAST_SUCCESS_METRIC = 'semroute_config_last_reload_success_timestamp_seconds';
/**
 * 1 while the config last read is the one serving, 0 after a refused reload until one succeeds (as
 * Prometheus's prometheus_config_last_reload_successful). The pod serves on, but its next restart
 * fails on that file; an alert on the error counter's increase forgets it once its window has passed.
 */
export const RELOAD_OK_METRIC = 'semroute_config_last_reload_successful';

export function declareReloadMetrics(metrics: Registry): void {
  metrics.declare({ name: RELOADS_METRIC, help: 'Config reloads (SIGHUP or a change of the config file) by result.', type: 'counter', labels: ['result'] });
  metrics.declare({ name: LAST_SUCCESS_METRIC, help: 'When the config now serving was loaded (start-up or the last successful reload), as a Unix time.', type: 'gauge' });
  metrics.declare({ name: RELOAD_OK_METRIC, help: 'Whether the last config read (start-up or reload) is the one serving: 0 after a refused reload, until one succeeds.', type: 'gauge' });
  for (const result of ['success', 'error']) metrics.inc(RELOADS_METRIC, { result }, 0);
}

/** Start-up (counted: false) or a reload that now serves. */
export function reloadSucceeded(metrics: Registry, counted: boolean): void {
  if (counted) metrics.inc(RELOADS_METRIC, { result: 'success' });
  metrics.set(LAST_SUCCESS_METRIC, {}, Date.now() / 1000);
  metrics.set(RELOAD_OK_METRIC, {}, 1);
}

export function reloadRefused(metrics: Registry): void {
  metrics.inc(RELOADS_METRIC, { result: 'error' });
  metrics.set(RELOAD_OK_METRIC, {}, 0);
}
