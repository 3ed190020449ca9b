// Structured JSON logs on Node (pino): level from observability.logging.level (LOG_LEVEL overrides),
// ISO time, the active trace id on every line, and redaction of prompt-bearing keys and credentials.
// Prompt text passes only with observability.logging.debug_log_prompts; credentials never do.
import { openSync, writeSync } from 'node:fs';
import pino from 'pino';
import type { Config } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/config/load.ts';
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
 * Keys of the per-request line (src/observability/request-log.ts; a passed-through request's line,
 * src/api/passthrough.ts, adds `method` and its configured `path`), all ids, config names, codes and
 * numbers. A line with only these keys skips path redaction: it is the hot path (one per request),
 * redaction would cost more than the rest of the line, and `*.prompt` would blank tokens.prompt.
 * `prompt` (debug_log_prompts only) is not listed, so such a line takes the redacting path.
 */
const REQUEST_LINE_KEYS = new Set([
  'event', 'request_id', 'requested_model', 'model', 'category', 'confidence', 'reason_code', 'reasoning',
  'reasoning_effort', 'system_prompt_injected', 'stream', 'status', 'outcome', 'error_reason', 'cache_hit',
  'cache_similarity', 'pii_types', 'pii_count', 'endpoint', 'latency_ms', 'tokens', 'cost', 'currency', 'trace_id',
  'method', 'path',
]);

function isRequestLine(obj: unknown): boolean {
  if (!obj || typeof obj !== 'object' || (obj as { event?: unknown }).event !== 'request') return false;
  for (const k in obj) if (!REQUEST_LINE_KEYS.has(k)) return false;
  return true;
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));
const flushOnExit = new Set<LineBuffer>();

/**
 * Lines written synchronously on the calling thread (an asynchronous destination hands every line to
 * the libuv thread pool, which costs more CPU than building the line), but once per event-loop turn:
 * lines logged in the same turn (under load, several requests finish together) share one write(2).
 * A line waits at most until the end of the turn (setImmediate); 64 KiB pending are written at once;
 * what is pending when the process exits is written by the exit hook.
 */
class LineBuffer implements pino.DestinationStream {
  private pending = '';
  private scheduled = false;
  private readonly flushLater = () => {
    this.scheduled = false;
    this.writePending();
  };

  constructor(private readonly fd: number) {}

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= 65536) this.writePending();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushLater);
    }
  }

  /** Writes what is pending now (pino's logger.flush(cb) calls this too). */
  flush(cb?: (err?: Error) => void): void {
    this.writePending();
    cb?.();
  }

  private writePending(): void {
    if (!this.pending) return;
    const bytes = Buffer.from(this.pending);
    this.pending = '';
    let off = 0;
    while (off < bytes.length) {
      try {
        off += writeSync(this.fd, bytes, off);
      } catch (err) {
        // A non-blocking pipe that is full: wait for the reader, as pino's sync destination does.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') Atomics.wait(SLEEP, 0, 0, 10);
        // A sink that is gone (EPIPE, EBADF): the lines are dropped rather than taking the gateway down.
        else return;
      }
    }
  }
}

const fdLines = new Map<number, LineBuffer>();

/** Per-turn buffered lines to a file descriptor (1: stdout, shared) or a file path (the bench writes to /dev/null). */
export function lineDestination(dest: number | string): pino.DestinationStream {
  let out = typeof dest === 'number' ? fdLines.get(dest) : undefined;
  if (out) return out;
  out = new LineBuffer(typeof dest === 'number' ? dest : openSync(dest, 'a'));
  if (typeof dest === 'number') fdLines.set(dest, out);
  if (flushOnExit.size === 0) process.once('exit', () => flushOnExit.forEach((b) => b.flush()));
  flushOnExit.add(out);
  return out;
}

export interface NodeLoggerOptions {
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
  /** Extra bindings on every line, e.g. { runtime: 'node' }. */
  base?: Record<string, unknown>;
}

const LEVELS = loggingSection.shape.level.removeDefault().options;

/**
 * LOG_LEVEL as operators write it: any case, `warning` for warn. Anything else is refused with the
 * variable named (pino threw its own stack trace: a crash loop that named no setting).
 */
function envLevel(raw: string | undefined): (typeof LEVELS)[number] | undefined {
  const v = raw?.trim().toLowerCase();
  if (!v) return undefined;
  const level = v === 'warning' ? 'warn' : v;
  if ((LEVELS as readonly string[]).includes(level)) return level as (typeof LEVELS)[number];
  throw new ConfigError(`LOG_LEVEL: expected one of ${LEVELS.join(', ')} (or warning), got "${raw}"`, []);
}

/** The level LOG_LEVEL sets, if any: it wins over the file at start-up and on every reload. */
export function envLogLevel(): string | undefined {
  return envLevel(process.env.LOG_LEVEL);
}

/** Each logger's switches: a reload changes the level and the prompt redaction of the loggers already handed out. */
const switches = new WeakMap<object, { level(level: string): void; prompts(on: boolean): void }>();

/** Sets the level of a logger createNodeLogger made (false for any other logger). */
export function setNodeLogLevel(logger: Logger, level: string): boolean {
  const s = switches.get(logger);
  s?.level(level);
  return s !== undefined;
}

/** Lets prompt text through a logger createNodeLogger made, or redacts it again (debug_log_prompts on a reload). */
export function setNodeLogPrompts(logger: Logger, on: boolean): boolean {
  const s = switches.get(logger);
  s?.prompts(on);
  return s !== undefined;
}

export function createNodeLogger(config?: Config, opts: NodeLoggerOptions = {}): Logger {
  const raw = (config?.observability as { logging?: unknown } | undefined)?.logging;
  const parsed = loggingSection.safeParse(raw ?? {});
  const logging = parsed.success ? parsed.data : loggingSection.parse({});
  const level = envLevel(process.env.LOG_LEVEL) ?? logging.level;
  let showPrompts = logging.debug_log_prompts;

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
  const destination = opts.destination ?? lineDestination(1);
  const lines = pino(common, destination);
  // pino's redaction is fixed when an instance is built: with debug_log_prompts (at start or switched
  // on by a reload) lines go through this one, which hides credentials only.
  const shown = pino({ ...common, redact: { paths: CREDENTIALS, censor: '[redacted]' } }, destination);
  const logger: pino.Logger = pino(
    {
      ...common,
      redact: { paths: [...CREDENTIALS, ...PROMPT_PATHS], censor: '[redacted]' },
      hooks: {
        logMethod(args, method, levelNumber): void {
          if (this !== logger) return method.apply(this, args);
          if (levelNumber === lines.levels.values.info && isRequestLine(args[0])) return lines.info(...(args as [object, string?]));
          if (showPrompts) return shown[lines.levels.labels[levelNumber] as pino.Level](...(args as [object, string?]));
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
  // Every instance: the request lines go through `lines`, the rest through `logger` (or `shown`).
  switches.set(logger, {
    level(l) {
      logger.level = l;
      lines.level = l;
      shown.level = l;
    },
    prompts(on) {
      showPrompts = on;
    },
  });
  return logger as unknown as Logger;
}
