// The one pack-loading path both runtime entries use (src/load-classifiers.ts): a pack that fails is
// logged with where it was looked for and left out, the rest still serve; strict mode throws instead.
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/index.ts';
import { loadConfiguredClassifiers, reportMissingCategoryPack } from '../../src/load-classifiers.ts';
import { createFileSource, defaultModelsDir } from '../../runtimes/node/file-source.ts';
import { createNodeEngine } from '../../runtimes/node/ort-engine.ts';
import { captureLogger, EMPTY_CLASSIFIERS } from '../integration/gateway-harness.ts';
import type { InferenceEngine } from '../../src/classify/types.ts';

const config = (yaml: string) => loadConfigText(`default_model: qwen3\n${yaml}`, 'test').config;

describe('loadConfiguredClassifiers', () => {
  it('leaves a broken pack out, logs where it looked, and loads the rest', async () => {
    const log = captureLogger();
    const c = config('packs: { extra: [no-such-pack] }\nclassifier: { category_model: { threshold: 0.99 } }');
    const classifiers = await loadConfiguredClassifiers(c, createFileSource(defaultModelsDir()), createNodeEngine('cpu'), log);
    expect(classifiers.info().map((i) => i.name)).toEqual(['domain']);
    const failed = log.lines.find((l) => l.level === 'error');
    expect(failed?.obj).toMatchObject({ pack: 'no-such-pack' });
    expect(String(failed?.obj.source)).toContain('no-such-pack');
    expect(log.lines.find((l) => l.level === 'info' && l.obj.pack === 'domain')?.msg).toBe('model pack loaded');
    // classifier.category_model.threshold overrides the manifest's for the category pack.
    expect(classifiers.sequence('domain')!.threshold).toBe(0.99);
  });

  it('strict mode throws naming the pack, and frees the packs that did load', async () => {
    const base = createNodeEngine('cpu');
    let open = 0;
    const engine: InferenceEngine = {
      name: base.name,
      async createSession(model) {
        const s = await base.createSession(model);
        open++;
        const own = s.release?.bind(s);
        s.release = async () => {
          open--;
          await own?.();
        };
        return s;
      },
    };
    const c = config('packs: { extra: [no-such-pack] }');
    await expect(loadConfiguredClassifiers(c, createFileSource(defaultModelsDir()), engine, captureLogger(), { strict: true })).rejects.toThrow(
      /model pack "no-such-pack"/,
    );
    expect(open).toBe(0); // domain loaded, then was freed
  });
});

describe('reportMissingCategoryPack', () => {
  it('says so only when routing needs the missing category pack', () => {
    const log = captureLogger();
    reportMissingCategoryPack(config('routing: { enabled: false }'), EMPTY_CLASSIFIERS, log);
    expect(log.lines).toHaveLength(0);
    reportMissingCategoryPack(config(''), EMPTY_CLASSIFIERS, log);
    expect(log.lines).toEqual([expect.objectContaining({ level: 'error', obj: { pack: 'domain' } })]);
  });
});
