// Structured logs in a Worker: one JSON object per console call (Workers Logs index the fields).
// Same redaction rule as the Node logger: prompt-bearing and credential keys are replaced at any
// depth unless observability.logging.debug_log_prompts allows the prompt keys.
import type { Config } from '../../src/config/schema.ts';
import { loggingSection } from '../../src/config/sections/observability.ts';
import type { Logger } from '../../src/observability/types.ts';
import { ConfigError } from '../../src/config/config-error.ts';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 } as const;
type Level = keyof typeof LEVELS;
const CREDENTIAL_KEYS = new Set(['authorization', 'api_key', 'apiKey', 'password', 'cookie', 'x-api-key']);
const PROMPT_KEYS = new Set(['prompt', 'messages', 'content', 'text', 'input', 'body', 'query', 'question']);

/**
 * A LOG_LEVEL variable as Node reads it (runtimes/node/logger.ts envLevel): any case, `warning` for
 * warn; anything else a start-up error naming the variable. It overrides observability.logging.level.
 */
export function envLogLevel(raw: string | undefined): Level | undefined {
  const v = raw?.trim().toLowerCase();
  if (!v) return undefined;
  const level = v === 'warning' ? 'warn' : v;
  if (Object.hasOwn(LEVELS, level)) return level as Level;
  throw new ConfigError(`LOG_LEVEL: expected one of ${Object.keys(LEVELS).join(', ')} (or warning), got "${raw}"`, []);
}

export interface WorkerLoggerOptions {
  base?: Record<string, unknown>;
  /** Where lines go (default console); tests collect them. */
  sink?: (level: Level, line: string) => void;
  level?: Level;
}

function redact(value: unknown, promptsAllowed: boolean, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, promptsAllowed, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // Numbers and booleans cannot carry text (tokens.prompt is a count): kept.
    const hide = CREDENTIAL_KEYS.has(k) || (!promptsAllowed && PROMPT_KEYS.has(k) && typeof v !== 'number' && typeof v !== 'boolean');
    out[k] = hide ? '[redacted]' : redact(v, promptsAllowed, depth + 1);
  }
  return out;
}

const consoleSink = (level: Level, line: string) => {
  if (level === 'error' || level === 'fatal') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
};

export function createWorkerLogger(config?: Config, opts: WorkerLoggerOptions = {}): Logger {
  const raw = (config?.observability as { logging?: unknown } | undefined)?.logging;
  const parsed = loggingSection.safeParse(raw ?? {});
  const logging = parsed.success ? parsed.data : loggingSection.parse({});
  const min = LEVELS[opts.level ?? logging.level];
  const sink = opts.sink ?? consoleSink;
  const make = (bindings: Record<string, unknown>): Logger => {
    const write = (level: Level) => (obj: object, msg?: string) => {
      if (LEVELS[level] < min) return;
      const fields = redact(obj, logging.debug_log_prompts) as Record<string, unknown>;
      sink(level, JSON.stringify({ level, time: new Date().toISOString(), service: 'semroute', ...bindings, ...fields, msg }));
    };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make(opts.base ?? {});
}
