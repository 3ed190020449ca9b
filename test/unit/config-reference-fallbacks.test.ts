// Reference config keys whose documented effect depends on another key (vsr.md 1.1): they must
// behave as documented when a vLLM Semantic Router config.yaml is loaded as written.
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/index.ts';

const base = (extra: string) => `
default_model: qwen3
vllm_endpoints:
  - { name: endpoint1, address: 127.0.0.1, port: 8000, weight: 1 }
categories:
  - name: math
    model_scores:
      - { model: qwen3, score: 1.0, use_reasoning: false }
${extra}`;

describe('semantic_cache.similarity_threshold falls back to bert_model.threshold', () => {
  it('unset in semantic_cache: bert_model.threshold is used', () => {
    const { config } = loadConfigText(base(`
bert_model: { model_id: sentence-transformers/all-MiniLM-L12-v2, threshold: 0.6 }
semantic_cache: { enabled: true, backend_type: memory }
`));
    expect(config.semantic_cache?.similarity_threshold).toBe(0.6);
  });

  it('set in semantic_cache: that value wins', () => {
    const { config } = loadConfigText(base(`
bert_model: { threshold: 0.6 }
semantic_cache: { enabled: true, similarity_threshold: 0.92 }
`));
    expect(config.semantic_cache?.similarity_threshold).toBe(0.92);
  });

  it('neither set: the default 0.8', () => {
    const { config } = loadConfigText(base(`
semantic_cache: { enabled: true }
`));
    expect(config.semantic_cache?.similarity_threshold).toBe(0.8);
  });
});

describe('reference features semroute does not implement are warned about when switched on', () => {
  it('tools.enabled and classifier.mcp_category_model.enabled give a warning naming the key', () => {
    const { warnings } = loadConfigText(base(`
tools: { enabled: true, top_k: 3, similarity_threshold: 0.2, tools_db_path: config/tools_db.json, fallback_to_empty: true }
classifier:
  mcp_category_model: { enabled: true, transport_type: http, url: "http://localhost:8090/mcp", tool_name: classify_text }
`));
    expect(warnings.some((w) => w.startsWith('tools.enabled:'))).toBe(true);
    expect(warnings.some((w) => w.startsWith('classifier.mcp_category_model.enabled:'))).toBe(true);
  });

  it('switched off (or absent), no warning', () => {
    const { warnings } = loadConfigText(base(`
tools: { enabled: false, top_k: 3 }
classifier:
  mcp_category_model: { enabled: false }
`));
    expect(warnings.filter((w) => w.startsWith('tools') || w.includes('mcp_category_model'))).toEqual([]);
  });
});

describe('reference cache backends semroute does not have load with a warning (vsr.md 1.1 backend_type memory | milvus)', () => {
  it.each(['milvus', 'hybrid'])('backend_type: %s -> the in-memory cache, with a warning', (backend) => {
    const { config, warnings } = loadConfigText(base(`
semantic_cache: { enabled: true, backend_type: ${backend}, backend_config_path: config/milvus.yaml, similarity_threshold: 0.85 }
`));
    expect(config.semantic_cache?.backend_type).toBe('memory');
    expect(config.semantic_cache?.similarity_threshold).toBe(0.85);
    expect(warnings.some((w) => w.startsWith('semantic_cache.backend_type:') && w.includes(backend))).toBe(true);
  });

  it('an unknown backend is still an error naming the key', () => {
    expect(() => loadConfigText(base(`
semantic_cache: { enabled: true, backend_type: cassandra }
`))).toThrow(/semantic_cache\.backend_type/);
  });
});
