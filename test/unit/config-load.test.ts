// Config loading: the reference's classic config.yaml loads as written; errors name the key path;
// unknown keys warn; the embedded default equals config/config.yaml.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigText, loadDefaultConfig } from '../../src/config/index.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';

// Written exactly in the reference's CLASSIC shape (vsr.md section 1.1), keys semroute does not use included.
const REFERENCE = `
bert_model:
  model_id: sentence-transformers/all-MiniLM-L12-v2
  threshold: 0.6
  use_cpu: true
semantic_cache:
  enabled: true
  backend_type: "memory"
  similarity_threshold: 0.8
  max_entries: 1000
  ttl_seconds: 3600
  eviction_policy: "fifo"
tools:
  enabled: true
  top_k: 3
  similarity_threshold: 0.2
  tools_db_path: "config/tools_db.json"
  fallback_to_empty: true
prompt_guard:
  enabled: true
  use_modernbert: true
  model_id: "models/jailbreak_classifier_modernbert-base_model"
  threshold: 0.7
  use_cpu: true
  jailbreak_mapping_path: "models/jailbreak_classifier_modernbert-base_model/jailbreak_type_mapping.json"
vllm_endpoints:
  - name: "endpoint1"
    address: "172.28.0.20"
    port: 8002
    weight: 1
model_config:
  "qwen3":
    reasoning_family: "qwen3"
    preferred_endpoints: ["endpoint1"]
    pii_policy:
      allow_by_default: true
      pii_types_allowed: ["EMAIL_ADDRESS"]
    pricing:
      currency: USD
      prompt_per_1m: 0.1
      completion_per_1m: 0.3
classifier:
  category_model:
    model_id: "models/category_classifier_modernbert-base_model"
    use_modernbert: true
    threshold: 0.6
    use_cpu: true
    category_mapping_path: "models/category_classifier_modernbert-base_model/category_mapping.json"
  pii_model:
    model_id: "models/pii_classifier_modernbert-base_presidio_token_model"
    use_modernbert: true
    threshold: 0.7
    use_cpu: true
    pii_mapping_path: "models/pii_classifier_modernbert-base_presidio_token_model/pii_type_mapping.json"
categories:
  - name: math
    description: "Mathematics"
    mmlu_categories: ["math"]
    system_prompt: "You are a mathematics expert."
    system_prompt_enabled: true
    system_prompt_mode: replace
    model_scores:
      - model: qwen3
        score: 1.0
        use_reasoning: true
        reasoning_effort: high
        reasoning_description: "Mathematical problems require step-by-step reasoning"
default_model: "qwen3"
reasoning_families:
  deepseek:
    type: "chat_template_kwargs"
    parameter: "thinking"
  qwen3:
    type: "chat_template_kwargs"
    parameter: "enable_thinking"
  gpt-oss:
    type: "reasoning_effort"
    parameter: "reasoning_effort"
default_reasoning_effort: high
api:
  batch_classification:
    max_batch_size: 100
    concurrency_threshold: 5
    max_concurrency: 8
observability:
  tracing:
    enabled: false
    provider: "opentelemetry"
    exporter:
      type: "stdout"
      endpoint: "localhost:4317"
      insecure: true
    sampling:
      type: "always_on"
      rate: 1.0
clear_route_cache: false
`;

describe('config loading', () => {
  it('accepts a config written in the reference classic shape', () => {
    const { config } = loadConfigText(REFERENCE, 'reference.yaml');
    expect(config.default_model).toBe('qwen3');
    expect(config.vllm_endpoints[0]).toMatchObject({ name: 'endpoint1', address: '172.28.0.20', port: 8002, weight: 1 });
    expect(config.model_config.qwen3.pii_policy?.pii_types_allowed).toEqual(['EMAIL_ADDRESS']);
    expect(config.categories[0].model_scores[0]).toMatchObject({ model: 'qwen3', use_reasoning: true, reasoning_effort: 'high' });
    expect(config.reasoning_families['gpt-oss']).toEqual({ type: 'reasoning_effort', parameter: 'reasoning_effort' });
    expect(config.classifier.category_model?.threshold).toBe(0.6);
    expect(config.api.batch_classification.max_batch_size).toBe(100);
    // semroute's own keys get their defaults.
    expect(config.session_key).toBe('x-user-id');
    expect(config.routing.auto_model_names).toEqual(['MoM', 'auto', 'vllm-sr/auto']);
    expect(config.server.max_body_bytes).toBe(10 * 1024 * 1024);
  });

  it('names the key path and the problem', () => {
    const bad = REFERENCE.replace('score: 1.0', 'score: -1').replace('port: 8002', 'port: "eighty"');
    const err = (() => {
      try {
        loadConfigText(bad, 'bad.yaml');
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.issues.some((i) => i.startsWith('categories[0].model_scores[0].score:'))).toBe(true);
    expect(err!.issues.some((i) => i.startsWith('vllm_endpoints[0].port:'))).toBe(true);
    expect(err!.message).toContain('bad.yaml');
  });

  it('requires use_reasoning, as the reference does', () => {
    expect(() => loadConfigText(REFERENCE.replace('        use_reasoning: true\n', ''))).toThrow(/categories\[0\]\.model_scores\[0\]\.use_reasoning: use_reasoning is required/);
  });

  it('checks names across sections', () => {
    expect(() => loadConfigText(REFERENCE.replace('preferred_endpoints: ["endpoint1"]', 'preferred_endpoints: ["nope"]'))).toThrow(
      /model_config\.qwen3\.preferred_endpoints\[0\]: no vllm_endpoints entry named "nope"/,
    );
    expect(() => loadConfigText(REFERENCE.replace('reasoning_family: "qwen3"', 'reasoning_family: "mystery"'))).toThrow(/model_config\.qwen3\.reasoning_family/);
    expect(() => loadConfigText(REFERENCE.replace('address: "172.28.0.20"', 'address: "http://x/y"'))).toThrow(/vllm_endpoints\[0\]\.address/);
  });

  it('a top-level section with every key commented out (null) is absent, as Go YAML reads it', () => {
    const text = 'default_model: m\nvllm_endpoints:\n  - { name: e, address: 10.0.0.1, port: 80 }\nsemantic_cache:\n  # enabled: true\nobservability:\nserver:\n';
    const { config } = loadConfigText(text);
    expect(config.semantic_cache?.enabled ?? false).toBe(false);
    expect(config.server.port).toBe(8801);
  });

  it('boolean fields take YAML 1.1 words (yes/no, on/off) as the reference\'s Go YAML does; other fields keep them as strings', () => {
    const text = 'default_model: m\nvllm_endpoints:\n  - { name: e, address: 10.0.0.1, port: 80 }\ncategories:\n  - name: math\n    model_scores:\n      - { model: m, score: 1, use_reasoning: yes }\n      - { model: n, score: 0.5, use_reasoning: Off }\nsemantic_cache:\n  enabled: on\n  backend_type: memory\nsession_key: on\n';
    const { config } = loadConfigText(text);
    expect(config.categories[0]!.model_scores.map((s) => s.use_reasoning)).toEqual([true, false]);
    expect(config.semantic_cache?.enabled).toBe(true);
    expect((config as { session_key?: unknown }).session_key).toBe('on');
    expect(() => loadConfigText(text.replace('use_reasoning: yes', 'use_reasoning: maybe'))).toThrow(/use_reasoning/);
    expect(() => loadConfigText(text.replace('use_reasoning: yes }', '}'))).toThrow(/use_reasoning is required/);
  });

  it('YAML merge keys (<<: *anchor) are applied, as in the reference', () => {
    const text = REFERENCE.replace('model_config:', 'x-base: &base\n  reasoning_family: "qwen3"\n  preferred_endpoints: ["endpoint1"]\nmodel_config:\n  merged-model:\n    <<: *base\n    pii_policy: { allow_by_default: false }');
    const { config, warnings } = loadConfigText(text);
    expect(config.model_config['merged-model']).toMatchObject({ reasoning_family: 'qwen3', preferred_endpoints: ['endpoint1'], pii_policy: { allow_by_default: false } });
    expect(warnings.join('\n')).not.toMatch(/<</);
  });

  it('an endpoint address with a port is refused (the port has its own key); bracketed IPv6 is unwrapped', () => {
    // Before: "host:port" passed, then every request went to [host:port]:80 and failed with 502.
    expect(() => loadConfigText(REFERENCE.replace('address: "172.28.0.20"', 'address: "172.28.0.20:8000"'))).toThrow(/vllm_endpoints\[0\]\.address: .*port: 8000/);
    expect(() => loadConfigText(REFERENCE.replace('address: "172.28.0.20"', 'address: "[::1]:8000"'))).toThrow(/vllm_endpoints\[0\]\.address/);
    expect(() => loadConfigText(REFERENCE.replace('address: "172.28.0.20"', 'address: "vllm.svc.cluster.local:80"'))).toThrow(/vllm_endpoints\[0\]\.address/);
    expect(loadConfigText(REFERENCE.replace('address: "172.28.0.20"', 'address: "[::1]"')).config.vllm_endpoints[0]!.address).toBe('::1');
    expect(loadConfigText(REFERENCE.replace('address: "172.28.0.20"', 'address: "fd00::20"')).config.vllm_endpoints[0]!.address).toBe('fd00::20');
  });

  it('warns about unknown keys instead of failing', () => {
    const { warnings } = loadConfigText(`${REFERENCE}\ndefualt_model: typo\nrouting:\n  enabled: true\n`);
    expect(warnings).toContain('defualt_model: unknown key (ignored)');
    const strictSection = () => loadConfigText(`${REFERENCE}\nrouting:\n  enabeld: true\n`);
    expect(strictSection).toThrow(/routing/);
  });

  it('an unknown key repeated in every entry of a list is one warning, not one per entry', () => {
    // A v0.1-style file carries per-category keys (jailbreak_enabled, ...): 14 categories gave 14 lines each.
    const cats = ['math', 'law', 'other'].map((name) => ({ name, jailbreak_enabled: true, model_scores: [{ model: 'qwen3', score: 1, use_reasoning: false, lora_name: 'x' }] }));
    const once = { name: 'physics', pii_enabled: true, model_scores: [{ model: 'qwen3', score: 1, use_reasoning: false }] };
    const doc = { default_model: 'qwen3', vllm_endpoints: [{ name: 'e', address: '127.0.0.1', port: 8000 }], categories: [...cats, once] };
    const { warnings } = loadConfigText(JSON.stringify(doc));
    expect(warnings).toEqual([
      'categories[].jailbreak_enabled: unknown key (ignored), in 3 entries (categories[0], categories[1], categories[2])',
      'categories[].model_scores[].lora_name: unknown key (ignored), in 3 entries (categories[0].model_scores[0], categories[1].model_scores[0], categories[2].model_scores[0])',
      'categories[3].pii_enabled: unknown key (ignored)',
    ]);
    // Early classic configs gave every model_config entry param_count / batch_size / context_size.
    const models = Object.fromEntries(['qwen3', 'phi4', 'gemma3'].map((m) => [m, { param_count: 1e9, context_size: 16384 }]));
    expect(loadConfigText(JSON.stringify({ ...doc, categories: [], model_config: models })).warnings).toEqual([
      'model_config.*.param_count: unknown key (ignored), in 3 entries (model_config.qwen3, model_config.phi4, model_config.gemma3)',
      'model_config.*.context_size: unknown key (ignored), in 3 entries (model_config.qwen3, model_config.phi4, model_config.gemma3)',
    ]);
  });

  it('semantic_cache.redis.url must be a redis:// or rediss:// URL or a socket path (it was a TypeError stack from ioredis at start-up)', () => {
    const doc = (url: string) => `default_model: qwen3\nsemantic_cache: { enabled: true, backend_type: redis, redis: { url: "${url}" } }\n`;
    for (const bad of ['not a url at all', 'http://redis:6379', 'redis:/x']) {
      expect(() => loadConfigText(doc(bad)), bad).toThrow(/semantic_cache\.redis\.url: a redis:\/\/ or rediss:\/\/ URL \(or a unix socket path\)/);
    }
    for (const good of ['redis://127.0.0.1:6379', 'rediss://:pw@redis.example:6380/2', 'redis://redis', '/var/run/redis.sock']) {
      expect(loadConfigText(doc(good)).config.semantic_cache?.redis.url, good).toBe(good);
    }
  });

  it('observability.tracing.exporter.endpoint must be host:port or an http(s) URL (it was a TypeError stack at start-up)', () => {
    const doc = (endpoint: string) => `default_model: qwen3\nobservability: { tracing: { enabled: true, exporter: { type: otlp, endpoint: "${endpoint}" } } }\n`;
    for (const bad of ['not a url', 'http://', '::::', 'localhost:99999']) {
      expect(() => loadConfigText(doc(bad)), bad).toThrow(/observability\.tracing\.exporter\.endpoint: host:port or an http\(s\):\/\/ URL/);
    }
    for (const good of ['localhost:4318', 'otel-collector.observability:4317', 'https://otlp.example.com/v1/traces', 'http://[::1]:4318', '']) {
      expect(() => loadConfigText(doc(good)), good).not.toThrow();
    }
  });

  it('reports YAML syntax errors and non-mapping documents', () => {
    expect(() => loadConfigText('default_model: [unclosed')).toThrow(/YAML syntax error/);
    expect(() => loadConfigText('- just\n- a list\n')).toThrow(/mapping/);
    expect(() => loadConfigText('{}')).toThrow(/default_model/);
  });

  it('the embedded default config equals config/config.yaml and loads without warnings', () => {
    const file = readFileSync(new URL('../../config/config.yaml', import.meta.url), 'utf8');
    expect(DEFAULT_CONFIG_YAML).toBe(file);
    const { config, warnings } = loadDefaultConfig();
    expect(warnings).toEqual([]);
    expect(config.categories.map((c) => c.name)).toHaveLength(14);
    expect(config.packs.category).toBe('domain');
  });
});
