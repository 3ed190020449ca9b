// Envoy ext_proc gRPC server (envoy.service.ext_proc.v3.ExternalProcessor/Process) running the same
// pipeline as the HTTP gateway: request headers + BUFFERED body in, body/header mutations or an
// immediate response out. See ../../../../shared/reference/peers.md section 2 for the wire contract.
import * as grpc from '@grpc/grpc-js';
import type { AppDeps } from '../../../src/deps.ts';
import { effectiveClearRouteCache, extprocSection } from '../../../src/config/sections/extproc.ts';
import { createExchange } from './exchange.ts';
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

export async function startExtProcServer(deps: AppDeps, opts: ExtProcServerOptions): Promise<ExtProcServer> {
  const section = extprocSection.parse(deps.config.extproc ?? {});
  const host = opts.host ?? section.host;
  const pipeline = opts.pipeline ?? createPipelineAdapter(deps);
  const exchangeOptions = {
    clearRouteCache: effectiveClearRouteCache(deps.config),
    destinationHeader: section.destination_endpoint_header,
    rewritePath: section.rewrite_path,
    logger: deps.logger,
    metrics: deps.metrics,
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': section.max_message_bytes,
    'grpc.max_send_message_length': section.max_message_bytes,
  });

  const handleProcess = (call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) => {
    const abort = new AbortController();
    const onMessage = createExchange(pipeline, exchangeOptions, abort.signal);
    // Answers must go out in the order Envoy's messages came in, so each waits for the previous one.
    let queue: Promise<void> = Promise.resolve();
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      call.end();
    };
    call.on('data', (msg: ProcessingRequest) => {
      queue = queue.then(async () => {
        if (ended) return;
        const reply = await onMessage(msg);
        if (reply === 'end') finish();
        else if (reply && !ended && !call.cancelled) call.write(reply);
      }).catch((err: unknown) => {
        deps.logger.error({ err: err instanceof Error ? err.name : typeof err }, 'ext_proc: stream handler failed');
        if (!ended && !call.cancelled) {
          ended = true;
          // A gRPC error status: Envoy fails open on it when failure_mode_allow is set.
          call.emit('error', { code: grpc.status.INTERNAL, details: 'ext_proc handler failed' });
        }
      });
    });
    call.on('end', () => {
      void queue.then(finish);
    });
    call.on('cancelled', () => {
      ended = true;
      abort.abort();
    });
    call.on('error', () => abort.abort());
  };

  server.addService(loadExtProc().service, { Process: handleProcess });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  deps.logger.info({ host, port }, 'ext_proc server listening');

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
