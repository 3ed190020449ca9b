// Structured JSON logs on Node (pino): level from observability.logging.level (LOG_LEVEL overrides),
// ISO time, the active trace id on every line, and redaction of prompt-bearing keys and credentials.
// Prompt text passes only with observability.logging.debug_log_prompts; credentials never do.
import pino from 'pino';
import type { Config } from '../../src/config/schema.ts';
import { loggingSection } from '../../src/config/sections/observability.ts';
import { activeTraceId } from '../../src/observability/tracing.ts';
import type { Logger } from '../../src/observability/types.ts';

const CREDENTIALS = [
  'authorization',
  'api_key',
  'apiKey',
  'password',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.authorization',
  '*.api_key',
  '*.password',
];

/** Keys that hold request text anywhere a caller might pass a body or message along. */
const PROMPT_KEYS = ['prompt', 'messages', 'content', 'text', 'input', 'body', 'query', 'question'];
const PROMPT_PATHS = [...PROMPT_KEYS, ...PROMPT_KEYS.map((k) => `*.${k}`)];

/**
 * Keys of the per-request line (src/observability/request-log.ts), all ids, config names, codes and
 * numbers. A line with only these keys skips path redaction: it is the hot path (one per request),
 * redaction would cost more than the rest of the line, and `*.prompt` would blank tokens.prompt.
 * `prompt` (debug_log_prompts only) is not listed, so such a line takes the redacting path.
 */
const REQUEST_LINE_KEYS = new Set([
  'event', 'request_id', 'requested_model', 'model', 'category', 'confidence', 'reason_code', 'reasoning',
  'reasoning_effort', 'system_prompt_injected', 'stream', 'status', 'outcome', 'error_reason', 'cache_hit',
  'cache_similarity', 'pii_types', 'pii_count', 'endpoint', 'latency_ms', 'tokens', 'cost', 'currency',
]);

function isRequestLine(obj: unknown): boolean {
  if (!obj || typeof obj !== 'object' || (obj as { event?: unknown }).event !== 'request') return false;
  for (const k in obj) if (!REQUEST_LINE_KEYS.has(k)) return false;
  return true;
}

export interface NodeLoggerOptions {
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
  /** Extra bindings on every line, e.g. { runtime: 'node' }. */
  base?: Record<string, unknown>;
}

export function createNodeLogger(config?: Config, opts: NodeLoggerOptions = {}): Logger {
  const raw = (config?.observability as { logging?: unknown } | undefined)?.logging;
  const parsed = loggingSection.safeParse(raw ?? {});
  const logging = parsed.success ? parsed.data : loggingSection.parse({});
  const level = process.env.LOG_LEVEL || logging.level;
  const paths = logging.debug_log_prompts ? CREDENTIALS : [...CREDENTIALS, ...PROMPT_PATHS];

  const common: pino.LoggerOptions = {
    level,
    base: { service: 'semroute', ...opts.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const traceId = activeTraceId();
      return traceId ? { trace_id: traceId } : {};
    },
  };
  // pino's own default: one write(2) per line on the calling thread. An asynchronous destination
  // hands every line to the libuv thread pool, which costs more CPU than building the line.
  const destination = opts.destination ?? pino.destination({ dest: 1, sync: true });
  const lines = pino(common, destination);
  const logger: pino.Logger = pino(
    {
      ...common,
      redact: { paths, censor: '[redacted]' },
      hooks: {
        logMethod(args, method, levelNumber): void {
          if (this === logger && levelNumber === lines.levels.values.info && isRequestLine(args[0])) return lines.info(...(args as [object, string?]));
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
  return logger as unknown as Logger;
}
