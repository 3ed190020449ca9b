// The config file as start-up and a reload read it. Its own module (the YAML parser and the schema,
// no packs, no server) so the entry checks a config and its ports before it loads the rest.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfigText, loadDefaultConfig, type LoadedConfig } from '../../src/config/index.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';

/** Reads and validates a config file as start-up does; no path: the bundled default. */
export function readConfigFile(path: string | undefined): { loaded: LoadedConfig; text: string } {
  if (!path) return { loaded: loadDefaultConfig(), text: DEFAULT_CONFIG_YAML };
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, []);
  }
  return { loaded: loadConfigText(text, file), text };
}
