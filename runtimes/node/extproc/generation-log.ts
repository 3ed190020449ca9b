// The one `request` line of a passed-through generation route behind Envoy, in the shape the HTTP
// gateway's passthrough writes it (src/api/passthrough.ts log()): the same keys whether the request was
// refused (outcome 'rejected': an auto model name, the guard, a body too large; 'error': a model no
// endpoint serves, as the gateway's forward reports it) or its answer ended (generation-meter.ts), so a
// log query built on the gateway's lines finds ext_proc's too. Bodies and prompts are never logged.
import type { AppDeps } from '../../../src/deps.ts';
import { modelLabel } from '../../../src/pipeline/categories.ts';
import type { UsageRecord } from '../../../src/observability/usage.ts';

export interface GenerationLine {
  requestId: string;
  route: string;
  status: number;
  outcome: string;
  /** Monotonic ms (clock.now()) when the request reached ext_proc. */
  startedMs: number;
  stream?: boolean;
  /** The model the body names (undefined: none, or not read). */
  model?: string;
  error?: string;
  ttftMs?: number;
  usage?: UsageRecord;
  traceId?: string;
}

const round = (ms: number) => Math.round(Math.max(0, ms) * 1000) / 1000;

export function logGenerationLine(deps: Pick<AppDeps, 'config' | 'logger' | 'clock'>, o: GenerationLine): void {
  const line: Record<string, unknown> = {
    event: 'request',
    request_id: o.requestId,
    method: 'POST',
    path: o.route,
    stream: o.stream ?? false,
    status: o.status,
    outcome: o.outcome,
    latency_ms: { total: round(deps.clock.now() - o.startedMs), ...(o.ttftMs !== undefined ? { ttft: round(o.ttftMs) } : {}) },
  };
  // Client text: configured names as they are, anything else as "other".
  if (o.model !== undefined) line.requested_model = modelLabel(deps.config, o.model);
  if (o.error) line.error_reason = o.error;
  if (o.usage?.totalTokens) line.tokens = { prompt: o.usage.promptTokens, completion: o.usage.completionTokens, total: o.usage.totalTokens };
  if (o.traceId) line.trace_id = o.traceId;
  deps.logger.info(line, 'request');
}
