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

  const logger = pino(
    {
      level,
      base: { service: 'semroute', ...opts.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths, censor: '[redacted]' },
      mixin() {
        const traceId = activeTraceId();
        return traceId ? { trace_id: traceId } : {};
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
  return logger as unknown as Logger;
}
