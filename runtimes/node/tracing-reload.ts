// observability.tracing on a config reload (config-reload.ts's applied hook, from serve-gateway.ts): a
// new tracer provider takes the API's global one's place, while the context manager and propagator stay,
// so a request in flight keeps its trace and its spans end on the provider they started on. Replaced
// providers are flushed and shut down when the process stops: sooner, a stream still running would
// lose its request span.
import { context, propagation, trace } from '@opentelemetry/api';
import type { Config } from '../../src/config/schema.ts';
import { setupNodeTracing, type NodeTracing, type NodeTracingOptions } from './tracing.ts';

const tracingOf = (config: Config): string => JSON.stringify((config.observability as { tracing?: unknown } | undefined)?.tracing ?? null);

export class LiveTracing {
  private current: NodeTracing;
  private running: string;
  /** Whether the context manager and propagator are registered (by the first enabled setup). */
  private globals: boolean;
  private readonly replaced: NodeTracing[] = [];

  constructor(
    config: Config,
    private readonly opts: NodeTracingOptions,
  ) {
    this.current = setupNodeTracing(config, opts);
    this.running = tracingOf(config);
    this.globals = this.current.enabled;
  }

  /** Applies the config's tracing section when it differs from the running one. */
  apply(config: Config): void {
    const next = tracingOf(config);
    if (next === this.running) return;
    this.running = next;
    const old = this.current;
    if (old.enabled) {
      trace.disable();
      this.replaced.push(old);
    }
    this.current = setupNodeTracing(config, { ...this.opts, providerOnly: this.globals });
    this.globals ||= this.current.enabled;
    if (!this.current.enabled && old.enabled) this.opts.logger?.info({}, 'tracing disabled');
  }

  async shutdown(): Promise<void> {
    try {
      await Promise.all([...this.replaced.map((t) => t.provider?.shutdown()), this.current.provider?.shutdown()]);
    } finally {
      trace.disable();
      propagation.disable();
      context.disable();
    }
  }
}
