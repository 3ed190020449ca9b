// GET /info/models for a reference config.yaml (test/fixtures/vsr-classic-config.yaml, no packs section)
// whose packs did not load: each is listed loaded: false with its task as type, as the reference lists
// a model it could not initialise. The type came from packs.pii / packs.embedding, which such a config
// leaves unset, so the PII and embedding packs it needs read "sequence_classification".
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/index.ts';
import { startGateway } from './gateway-harness.ts';

const FIXTURE = readFileSync(new URL('../fixtures/vsr-classic-config.yaml', import.meta.url), 'utf8');

describe('/info/models: the packs a reference config needs, none loaded', () => {
  it('name each with its task: domain and jailbreak sequence, pii token, embedding embedding', async () => {
    // No classifiers given: the harness serves with none loaded.
    const gw = await startGateway({
      config: (port) => {
        const doc = parse(FIXTURE) as Record<string, any>;
        doc.vllm_endpoints[0].port = port;
        doc.semantic_cache.enabled = true;
        return validateConfig(doc, 'vsr-classic-config.yaml').config;
      },
    });
    try {
      const models = ((await (await fetch(`${gw.url}/info/models`)).json()) as { models: Array<{ name: string; type: string; loaded: boolean }> }).models;
      const types = Object.fromEntries(models.filter((m) => !m.loaded).map((m) => [m.name, m.type]));
      expect(types).toEqual({ domain: 'sequence_classification', jailbreak: 'sequence_classification', pii: 'token_classification', embedding: 'embedding' });
    } finally {
      await gw.close();
    }
  });
});
