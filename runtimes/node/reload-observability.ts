// The observability section on a config reload (config-reload.ts). Most of it needs a restart (the
// metrics port and series cap, the log redaction: the running values are kept); the log level and
// tracing apply. A file without the section means its defaults, so a reload that adds or removes it
// compares and applies values, not presence (adding `observability: { tracing: ... }` to a file that
// had none said metrics.enabled and debug_log_prompts "need a restart" though neither changed).
import type { Config } from '../../src/config/schema.ts';
import { observabilitySection, type ObservabilityConfig } from '../../src/config/sections/observability.ts';
import type { Logger } from '../../src/observability/types.ts';
import { envLogLevel, setNodeLogLevel } from './logger.ts';

const sectionOf = (c: Config): ObservabilityConfig => c.observability ?? observabilitySection.parse({});

/** The config with its observability section's defaults written out, for comparing two configs. */
export function withObservability(c: Config): Config {
  return c.observability ? c : { ...c, observability: sectionOf(c) };
}

/**
 * Holds the new config's section at the running values but its tracing (which serve-gateway.ts's
 * hook applies at the switch); returns the file's log level, for applyLogLevel at the switch.
 */
export function pinObservability(old: Config, config: Config): string {
  const file = sectionOf(config);
  config.observability = { ...sectionOf(old), tracing: file.tracing };
  return file.logging.level;
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
