// `--check`: the packs a config needs that its packs folder does not hold. The server would start
// without them (lenient pack load), so a config check that said only "config OK" hid a wrong
// packs.dir until the pod sat at /ready 503.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.ts';
import { packsToLoad, stagePacks } from '../../src/config/packs.ts';
import { parseLabels } from '../../src/classify/pack-manifest.ts';
import { unreachableCategories } from '../../src/config/category-index.ts';
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

/**
 * Categories no label of the category pack reaches (start-up says it too, src/load-classifiers.ts).
 * Read from the pack's labels file without loading its model; a pack that is missing (warned of above)
 * or unreadable (start-up reports it) adds nothing here.
 */
export function categoryReachWarnings(config: Config): string[] {
  const pack = stagePacks(config).category;
  if (!pack) return [];
  const dir = join(modelsRoot(config), packsToLoad(config)[pack] ?? pack);
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files?: { labels?: unknown } };
    const file = typeof manifest.files?.labels === 'string' ? manifest.files.labels : 'labels.json';
    const { labels } = parseLabels(JSON.parse(readFileSync(join(dir, file), 'utf8')), file);
    return unreachableCategories(config, labels, pack);
  } catch {
    return [];
  }
}
