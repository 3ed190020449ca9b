// W3C Trace Context (traceparent / tracestate) over @opentelemetry/api only, so it works in a Worker
// with no SDK and no registered propagator. Node registers the same propagator globally (runtimes/node/tracing.ts).
import {
  context,
  createTraceState,
  isSpanContextValid,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export interface ParsedTraceparent {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

export function parseTraceparent(value: string | undefined): ParsedTraceparent | undefined {
  if (!value) return undefined;
  const m = TRACEPARENT_RE.exec(value.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is invalid; version 00 has nothing after the flags (later versions may).
  if (version === 'ff' || (version === '00' && rest)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16) & 0xff };
}

export function formatTraceparent(traceId: string, spanId: string, traceFlags: number): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

export class W3CTraceContext implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const sc = trace.getSpanContext(ctx);
    if (!sc || !isSpanContextValid(sc)) return;
    setter.set(carrier, TRACEPARENT, formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags));
    const state = sc.traceState?.serialize();
    if (state) setter.set(carrier, TRACESTATE, state);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const one = (k: string) => {
      const v = getter.get(carrier, k);
      return Array.isArray(v) ? v[0] : v;
    };
    const parsed = parseTraceparent(one(TRACEPARENT));
    if (!parsed) return ctx;
    const state = one(TRACESTATE);
    return trace.setSpanContext(ctx, {
      ...parsed,
      isRemote: true,
      traceState: state ? createTraceState(state) : undefined,
    });
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE];
  }
}

const w3c = new W3CTraceContext();

const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const recordGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  get: (carrier, key) => carrier[key] ?? carrier[key.toLowerCase()],
  keys: (carrier) => Object.keys(carrier),
};

/**
 * Writes traceparent (and tracestate) for the active span into outgoing upstream headers.
 * Call it inside the upstream.request span so the upstream's spans hang under it.
 */
export function injectTraceHeaders(headers: Record<string, string>, ctx: Context = context.active()): Record<string, string> {
  w3c.inject(ctx, headers, recordSetter);
  return headers;
}

/** The parent context carried by an incoming request's traceparent (lower-cased header names). */
export function extractTraceContext(headers: Record<string, string | string[] | undefined>, ctx: Context = context.active()): Context {
  return w3c.extract(ctx, headers, recordGetter);
}
