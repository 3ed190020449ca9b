// Schemas of /openapi.json's components: what the gateway's own endpoints accept and answer (vsr.md
// 2.4, 2.5 shapes plus semroute's additions). test/integration/api-openapi-answers.test.ts validates
// real answers against them, so a field added or retyped in a handler must be added here too.
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str: Schema = { type: 'string' };
const num: Schema = { type: 'number' };
const int: Schema = { type: 'integer', minimum: 0 };
const bool: Schema = { type: 'boolean' };
const strs: Schema = { type: 'array', items: str };
const prob: Schema = { type: 'number', minimum: 0, maximum: 1 };
const obj = (properties: Record<string, Schema>, required: string[] = [], extra: boolean | Schema = false): Schema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
  additionalProperties: extra,
});

const intentOptions = obj({ return_probabilities: bool, confidence_threshold: prob, include_explanation: bool }, [], true);
const piiOptions = obj({ entity_types: { ...strs, description: 'pack types (GET /info/classifier pii_types), ALL, or EMAIL, PHONE, SSN, LOCATION, ...' }, confidence_threshold: prob, return_positions: bool, mask_entities: bool }, [], true);
const securityOptions = obj(
  { sensitivity: { oneOf: [{ type: 'string', enum: ['low', 'medium', 'high'] }, prob] }, include_reasoning: bool, detection_types: strs },
  [],
  true,
);
const textRequest = (options: Schema, more: Record<string, Schema> = {}, required = ['text']): Schema =>
  obj({ text: { type: 'string', minLength: 1 }, model: { type: 'string', nullable: true, description: 'semroute: the pack to use, e.g. intent; an auto name (MoM) is the default' }, options: { ...options, nullable: true }, ...more }, required, true);

const classification = obj(
  { category: str, confidence: prob, processing_time_ms: int, truncated: { type: 'boolean', description: 'true when the pack read only the start of the text (its max_length)' } },
  ['category', 'confidence', 'processing_time_ms'],
);
const piiEntity = obj(
  { type: str, value: str, confidence: prob, start_position: int, end_position: int, masked_value: str },
  ['type', 'value', 'confidence', 'masked_value'],
);

const intentAnswer: Record<string, Schema> = {
  classification,
  recommended_model: str,
  routing_decision: { type: 'string', enum: ['high_confidence_specialized', 'low_confidence_general'] },
  pack: str,
  probabilities: { type: 'object', additionalProperties: prob },
  explanation: str,
};

export const SCHEMAS: Record<string, Schema> = {
  /** Both shapes at once: OpenAI's {message, type, code, param} and the reference API's {code, message,
   *  timestamp}. `code` is a string from semroute, and may be a number when an upstream (vLLM) set it. */
  Error: obj(
    {
      error: obj(
        {
          message: str,
          type: str,
          code: { nullable: true, oneOf: [str, { type: 'integer' }] },
          param: { type: 'string', nullable: true },
          timestamp: { type: 'string', description: 'classification API errors only' },
        },
        ['message', 'type', 'code'],
        true,
      ),
    },
    ['error'],
  ),
  ChatRequest: {
    type: 'object',
    required: ['messages'],
    properties: {
      model: { type: 'string', nullable: true, description: 'MoM, auto or vllm-sr/auto to be routed; any other name passes through; none (left out, null, ""): default_model, as vLLM answers with its served model' },
      messages: { type: 'array', minItems: 1, items: { type: 'object', required: ['role'], properties: { role: str, content: { nullable: true, oneOf: [str, { type: 'array', items: { oneOf: [{ type: 'object' }, str] } }] } } } },
      stream: bool,
    },
    additionalProperties: true,
  },
  // text, or (the reference's newer API) chat messages whose last user message is classified.
  IntentRequest: {
    ...textRequest(intentOptions, { messages: { type: 'array', minItems: 1, items: { type: 'object', required: ['role'], properties: { role: str } } } }, []),
    anyOf: [{ required: ['text'] }, { required: ['messages'] }],
  },
  PiiRequest: textRequest(piiOptions),
  SecurityRequest: textRequest(securityOptions),
  CombinedRequest: textRequest(
    { type: 'object', description: 'flat keys apply to every task; intent / pii / security objects to theirs', properties: { intent: intentOptions, pii: piiOptions, security: securityOptions }, additionalProperties: true },
    { tasks: { type: 'array', nullable: true, minItems: 1, items: { type: 'string', enum: ['intent', 'pii', 'security'] } } },
  ),
  BatchRequest: obj(
    {
      texts: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'at most api.batch_classification.max_batch_size' },
      task_type: { type: 'string', nullable: true, enum: ['intent', 'pii', 'security', 'all'], description: 'default (absent, null or ""): intent' },
      model: { type: 'string', nullable: true },
      options: { type: 'object', nullable: true, additionalProperties: true, description: 'the options of the task_type (intent, pii or security)' },
    },
    ['texts'],
    true,
  ),
  Model: obj({ id: str, object: { type: 'string', enum: ['model'] }, created: int, owned_by: str }, ['id', 'object', 'created', 'owned_by']),
  ModelList: obj({ object: { type: 'string', enum: ['list'] }, data: { type: 'array', items: ref('Model') } }, ['object', 'data']),
  IntentResponse: obj(intentAnswer, ['classification', 'recommended_model', 'routing_decision']),
  /** The combined answer's intent: the reference documents it flat ({category, confidence, probabilities}). */
  CombinedIntent: obj({ category: str, confidence: prob, ...intentAnswer }, ['category', 'confidence', 'classification', 'recommended_model', 'routing_decision']),
  PiiResponse: obj(
    { has_pii: bool, entities: { type: 'array', items: piiEntity }, masked_text: str, security_recommendation: { type: 'string', enum: ['block', 'allow'] }, processing_time_ms: int },
    ['has_pii', 'entities', 'security_recommendation', 'processing_time_ms'],
  ),
  SecurityResponse: obj(
    { is_jailbreak: bool, risk_score: prob, detection_types: strs, confidence: prob, recommendation: { type: 'string', enum: ['block', 'allow'] }, reasoning: str, patterns_detected: strs, processing_time_ms: int },
    ['is_jailbreak', 'risk_score', 'detection_types', 'confidence', 'recommendation', 'patterns_detected', 'processing_time_ms'],
  ),
  CombinedResponse: obj(
    {
      intent: ref('CombinedIntent'),
      pii: ref('PiiResponse'),
      security: ref('SecurityResponse'),
      overall_recommendation: obj({ action: { type: 'string', enum: ['allow', 'review', 'block'] }, target_model: { type: 'string', nullable: true }, confidence: prob }, ['action', 'target_model', 'confidence']),
      total_processing_time_ms: int,
      processing_time_ms: int,
    },
    ['overall_recommendation', 'total_processing_time_ms', 'processing_time_ms'],
  ),
  BatchResponse: obj(
    {
      // Every row starts with the reference's fields; pii, security and all rows carry their task's answer beside them.
      results: { type: 'array', items: obj({ category: str, confidence: prob, processing_time_ms: int, truncated: bool, probabilities: { type: 'object', additionalProperties: prob } }, ['category', 'confidence', 'processing_time_ms'], true) },
      total_count: int,
      processing_time_ms: int,
      statistics: obj({ category_distribution: { type: 'object', additionalProperties: int }, avg_confidence: prob, low_confidence_count: int }, ['category_distribution', 'avg_confidence', 'low_confidence_count']),
    },
    ['results', 'total_count', 'processing_time_ms', 'statistics'],
  ),
  Health: obj({ status: { type: 'string', enum: ['healthy'] }, service: str }, ['status', 'service']),
  Ready: obj({ status: { type: 'string', enum: ['ready', 'not_ready'] }, problems: strs }, ['status']),
  ApiOverview: obj(
    {
      service: str,
      version: str,
      description: str,
      endpoints: { type: 'array', items: obj({ path: str, method: { type: 'string', enum: ['GET', 'POST', 'PUT'] }, description: str }, ['path', 'method', 'description']) },
      task_types: { type: 'array', items: obj({ name: str, description: str }, ['name', 'description']) },
      links: { type: 'object', additionalProperties: str },
    },
    ['service', 'version', 'description', 'endpoints', 'task_types', 'links'],
  ),
  ModelsInfo: obj(
    {
      models: {
        type: 'array',
        items: obj(
          { name: str, type: str, loaded: bool, model_path: str, categories: strs, metadata: { type: 'object', additionalProperties: str }, load_time: str, memory_usage: str },
          ['name', 'type', 'loaded'],
          true,
        ),
      },
      system: obj({ architecture: str, os: str, memory_usage: str, gpu_available: bool }, ['architecture', 'os', 'gpu_available'], true),
    },
    ['models', 'system'],
  ),
  ClassifierInfo: obj(
    {
      status: str,
      capabilities: strs,
      categories: { type: 'array', items: obj({ name: str, description: str, reasoning_enabled: bool, threshold: num }, ['name', 'description', 'reasoning_enabled', 'threshold'], true) },
      pii_types: strs,
      packs: { type: 'array', items: { type: 'object' } },
    },
    ['status', 'capabilities', 'categories', 'pii_types'],
    true,
  ),
};

/** The request body schema of each own POST endpoint. */
export const REQUEST_BODIES: Record<string, string> = {
  'POST /v1/chat/completions': 'ChatRequest',
  'POST /api/v1/classify/intent': 'IntentRequest',
  'POST /api/v1/classify/pii': 'PiiRequest',
  'POST /api/v1/classify/security': 'SecurityRequest',
  'POST /api/v1/classify/combined': 'CombinedRequest',
  'POST /api/v1/classify/batch': 'BatchRequest',
};

/** The 200 answer's schema of each own JSON endpoint. */
export const ANSWERS: Record<string, string> = {
  'GET /v1/models': 'ModelList',
  'GET /v1/models/{id}': 'Model',
  'POST /api/v1/classify/intent': 'IntentResponse',
  'POST /api/v1/classify/pii': 'PiiResponse',
  'POST /api/v1/classify/security': 'SecurityResponse',
  'POST /api/v1/classify/combined': 'CombinedResponse',
  'POST /api/v1/classify/batch': 'BatchResponse',
  'GET /health': 'Health',
  'GET /ready': 'Ready',
  'GET /api/v1': 'ApiOverview',
  'GET /info/models': 'ModelsInfo',
  'GET /info/classifier': 'ClassifierInfo',
};
