// Envoy ext_proc gRPC server (envoy.service.ext_proc.v3.ExternalProcessor/Process) running the same
// pipeline as the HTTP gateway: request headers + BUFFERED body in, body/header mutations or an
// immediate response out. See ../../../../shared/reference/peers.md section 2 for the wire contract.
import * as grpc from '@grpc/grpc-js';
import type { AppDeps } from '../../../src/deps.ts';
import { effectiveClearRouteCache, extprocSection } from '../../../src/config/sections/extproc.ts';
import { createExchange, type ExchangeOptions } from './exchange.ts';
import { createPipelineAdapter } from './pipeline-adapter.ts';
import type { ExtProcPipeline } from './port.ts';
import { loadExtProc } from './proto.ts';
import type { ProcessingRequest, ProcessingResponse } from './wire.ts';

export interface ExtProcServer {
  port: number;
  /**
   * tryShutdown (no new streams; open ones run on) until drainMs (default 2 s), then forceShutdown.
   * Resolves with whether the deadline had to cut streams.
   */
  close(opts?: { drainMs?: number }): Promise<{ forced: boolean }>;
}

export interface ExtProcServerOptions {
  host?: string;
  port: number;
  /** Replaces the pipeline adapter (tests of the protocol layer only). */
  pipeline?: ExtProcPipeline;
}

/**
 * The deps a stream runs on: fixed, or a getter that follows config reloads (runtimes/node/
 * config-reload.ts). Each stream takes the deps current when it opens and keeps them to its end, then
 * calls `done`, so what a reload replaced is freed only after the last stream using it.
 */
export type ExtProcDeps = AppDeps | (() => { deps: AppDeps; done?(): void });

export async function startExtProcServer(source: ExtProcDeps, opts: ExtProcServerOptions): Promise<ExtProcServer> {
  const lease: Exclude<ExtProcDeps, AppDeps> = typeof source === 'function' ? source : () => ({ deps: source });
  const first = lease();
  first.done?.();
  // Socket settings are bound once; a reload that changes them needs a restart.
  const section = extprocSection.parse(first.deps.config.extproc ?? {});
  const host = opts.host ?? section.host;
  // One pipeline (and endpoint pool) per deps generation, made when its first stream comes.
  const perDeps = new WeakMap<AppDeps, { pipeline: ExtProcPipeline; exchangeOptions: ExchangeOptions }>();
  const forDeps = (deps: AppDeps) => {
    let v = perDeps.get(deps);
    if (!v) {
      const s = extprocSection.parse(deps.config.extproc ?? {});
      v = {
        pipeline: opts.pipeline ?? createPipelineAdapter(deps),
        exchangeOptions: {
          clearRouteCache: effectiveClearRouteCache(deps.config),
          destinationHeader: s.destination_endpoint_header.toLowerCase(),
          rewritePath: s.rewrite_path,
          modeOverride: s.allow_mode_override,
          maxBodyBytes: deps.config.server.max_body_bytes,
          logger: deps.logger,
          metrics: deps.metrics,
          waitUntil: deps.waitUntil,
          // The socket's limit, bound once like the socket.
          maxMessageBytes: section.max_message_bytes,
        },
      };
      perDeps.set(deps, v);
    }
    return v;
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': section.max_message_bytes,
    'grpc.max_send_message_length': section.max_message_bytes,
  });

  const handleProcess = (call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) => {
    const { deps, done } = lease();
    const { pipeline, exchangeOptions } = forDeps(deps);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      done?.();
    };
    const abort = new AbortController();
    // One exchange per HTTP request. Envoy opens a stream per request; a peer that sends a second
    // request's headers on the same stream gets a fresh exchange, so nothing of the first (a body
    // already judged) carries over to it.
    let exchange = createExchange(pipeline, exchangeOptions, abort.signal);
    let started = false;
    const onMessage = (msg: ProcessingRequest) => {
      if (msg.request === 'request_headers' && !msg.observability_mode) {
        if (started) exchange = createExchange(pipeline, exchangeOptions, abort.signal);
        started = true;
      }
      return exchange(msg);
    };
    // Answers must go out in the order Envoy's messages came in, so each waits for the previous one.
    let queue: Promise<void> = Promise.resolve();
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      call.end();
      release();
    };
    // A gRPC error status: Envoy goes on without us when failure_mode_allow is set, else answers 500.
    const fail = (details: string) => {
      if (!ended && !call.cancelled) {
        ended = true;
        call.emit('error', { code: grpc.status.INTERNAL, details });
      }
      release();
    };
    call.on('data', (msg: ProcessingRequest) => {
      queue = queue.then(async () => {
        if (ended) return;
        const reply = await onMessage(msg);
        if (reply === 'end') finish();
        else if (reply === 'fail') fail('semroute pipeline failed');
        else if (reply && !ended && !call.cancelled) for (const r of Array.isArray(reply) ? reply : [reply]) call.write(r);
      }).catch((err: unknown) => {
        deps.logger.error({ err: err instanceof Error ? err.name : typeof err }, 'ext_proc: stream handler failed');
        fail('ext_proc handler failed');
      });
    });
    call.on('end', () => {
      void queue.then(finish);
    });
    // A stream that ends early (Envoy cancels, the connection drops) may have a message still inside
    // the pipeline (classifying, waiting on the cache): the lease goes when that is done, or a reload
    // could free the packs under it. Nothing queued after `ended` touches the deps.
    const endEarly = () => {
      ended = true;
      abort.abort();
      void queue.then(release, release);
    };
    call.on('cancelled', endEarly);
    call.on('error', endEarly);
  };

  server.addService(loadExtProc().service, { Process: handleProcess });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });

  return {
    port,
    close: ({ drainMs = 2_000 } = {}) =>
      new Promise<{ forced: boolean }>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve({ forced: true });
        }, drainMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve({ forced: false });
        });
      }),
  };
}
