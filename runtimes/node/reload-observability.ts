// The observability section on a config reload (config-reload.ts). The metrics port and on/off need a
// restart (the running values are kept); the log level, debug_log_prompts, the series cap and tracing
// apply. A file without the section means its defaults, so a reload that adds or removes it compares
// and applies values, not presence (adding `observability: { tracing: ... }` to a file that had none
// said metrics.enabled and debug_log_prompts "need a restart" though neither changed).
import type { Config } from '../../src/config/schema.ts';
import { observabilitySection, type ObservabilityConfig } from '../../src/config/sections/observability.ts';
import type { Logger } from '../../src/observability/types.ts';
import type { Registry } from '../../src/observability/registry.ts';
import { applyMetricSettings } from '../../src/observability/metrics.ts';
import { envLogLevel, setNodeLogLevel, setNodeLogPrompts } from './logger.ts';

const sectionOf = (c: Config): ObservabilityConfig => c.observability ?? observabilitySection.parse({});

/** The config with its observability section's defaults written out, for comparing two configs. */
export function withObservability(c: Config): Config {
  return c.observability ? c : { ...c, observability: sectionOf(c) };
}

/**
 * Holds the new config's section at the running values but what a reload applies: tracing (which
 * serve-gateway.ts's hook applies at the switch), the series cap and debug_log_prompts (applyObservability,
 * at the switch; the request line reads the latter per request); returns the file's log level.
 */
export function pinObservability(old: Config, config: Config): string {
  const file = sectionOf(config);
  const running = sectionOf(old);
  config.observability = {
    ...running,
    tracing: file.tracing,
    metrics: { ...running.metrics, max_series_per_metric: file.metrics.max_series_per_metric },
    logging: { ...running.logging, debug_log_prompts: file.logging.debug_log_prompts },
  };
  return file.logging.level;
}

/**
 * At the switch: the log level (applyLogLevel), the prompt redaction of the logger every part shares,
 * and the registry's series cap and batch histogram buckets (the registry outlives the config).
 */
export function applyObservability(logger: Logger, metrics: Registry, old: Config, config: Config, level: string): void {
  applyLogLevel(logger, old, config, level);
  setNodeLogPrompts(logger, sectionOf(config).logging.debug_log_prompts);
  const restarted = applyMetricSettings(metrics, config);
  if (restarted.length) logger.info({ metrics: restarted }, 'config reload: new histogram buckets: these histograms count again from zero');
}

/**
 * The file's log level, applied at the switch (before the reload's own line, so a raise shows it) to
 * the logger every part shares; LOG_LEVEL wins over the file here as at start-up.
 */
export function applyLogLevel(logger: Logger, old: Config, config: Config, level: string): void {
  const running = sectionOf(old).logging.level;
  if (level === running || !config.observability) return;
  if (envLogLevel()) {
    logger.warn({ level, log_level: envLogLevel() }, 'config reload: observability.logging.level is not applied: LOG_LEVEL overrides it');
    return;
  }
  if (!setNodeLogLevel(logger, level)) return;
  config.observability = { ...config.observability, logging: { ...config.observability.logging, level: level as ObservabilityConfig['logging']['level'] } };
}
