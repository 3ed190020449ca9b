// `--check`: the packs a config needs that its packs folder does not hold. The server would start
// without them (lenient pack load), so a config check that said only "config OK" hid a wrong
// packs.dir until the pod sat at /ready 503.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.ts';
import { packsToLoad, stagePacks } from '../../src/config/packs.ts';
import { modelsRoot } from './file-source.ts';

export function missingPackWarnings(config: Config): string[] {
  const root = modelsRoot(config);
  const category = stagePacks(config).category;
  return Object.entries(packsToLoad(config))
    .filter(([, dir]) => !existsSync(join(root, dir, 'manifest.json')))
    .map(
      ([name]) =>
        `packs: "${name}" not found in ${root} (no manifest.json); the server would start without it` +
        (name === category ? ' and answer 503 on /ready' : '') +
        ' (--models-dir points at another folder)',
    );
}
