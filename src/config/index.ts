// Config entry points for runtimes: parse YAML, or fall back to the embedded default.
import { DEFAULT_CONFIG_YAML } from './default-config.ts';
import { loadConfigText, type LoadedConfig } from './load.ts';

export { loadConfigText, validateConfig, ConfigError, type LoadedConfig } from './load.ts';
export type { Config } from './schema.ts';

export function loadDefaultConfig(): LoadedConfig {
  return loadConfigText(DEFAULT_CONFIG_YAML, 'default config');
}
