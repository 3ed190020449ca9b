// The ext_proc server for bench/extproc-stream.ts, in its own process so its CPU time is its own
// (child-ipc.ts). argv[2] picks what an SSE answer goes through:
//   cache   - the real server, bundled config and packs, semantic cache on (memory): a miss leaves a
//             store pending, so the answer is asked for in STREAMED mode and recorded (no rewrite);
//   restore - the real server, every model with pii_policy redact + restore: the restore tap
//             rewrites the answer in STREAMED mode;
//   echo    - no pipeline: a bare grpc-js server on the same proto and socket options that answers
//             each message at once, a body chunk with that chunk as its body mutation (the floor).
import * as grpc from '@grpc/grpc-js';
import { loadDefaultConfig, validateConfig } from '../src/config/index.ts';
import { extprocSection } from '../src/config/sections/extproc.ts';
import { buildNodeDeps } from '../runtimes/node/deps.ts';
import { startExtProcServer } from '../runtimes/node/extproc/server.ts';
import { loadExtProc } from '../runtimes/node/extproc/proto.ts';
import { continueRequestBody, continueRequestHeaders, continueResponseBody, continueResponseHeaders, continueTrailers, type ProcessingRequest, type ProcessingResponse } from '../runtimes/node/extproc/wire.ts';
import { createNodeLogger, lineDestination } from '../runtimes/node/logger.ts';
import { reportUsage } from './child-ipc.ts';

const mode = process.argv[2];
const base = structuredClone(loadDefaultConfig().config) as unknown as Record<string, any>;

async function startEcho(): Promise<number> {
  const section = extprocSection.parse(base.extproc ?? {});
  const server = new grpc.Server({
    'grpc.max_receive_message_length': section.max_message_bytes,
    'grpc.max_send_message_length': section.max_message_bytes,
  });
  const answer = (m: ProcessingRequest): ProcessingResponse => {
    switch (m.request) {
      case 'request_headers':
        return continueRequestHeaders();
      case 'request_body':
        return continueRequestBody();
      case 'response_headers':
        return continueResponseHeaders();
      case 'response_body':
        return continueResponseBody({ body_mutation: { body: m.response_body?.body ?? new Uint8Array(0) } });
      default:
        return continueTrailers('response_trailers');
    }
  };
  server.addService(loadExtProc().service, {
    Process: (call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) => {
      call.on('data', (m: ProcessingRequest) => call.write(answer(m)));
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

async function startReal(): Promise<number> {
  if (mode === 'cache') base.semantic_cache = { ...base.semantic_cache, enabled: true, backend_type: 'memory' };
  else if (mode === 'restore') {
    for (const m of Object.values(base.model_config as Record<string, any>)) m.pii_policy = { allow_by_default: false, action: 'redact', restore: true };
  } else throw new Error(`unknown mode ${mode} (cache | restore | echo)`);
  const { config } = validateConfig(base, 'bench config');
  // Log lines as the server writes them in production, to /dev/null.
  const logger = createNodeLogger(config, { destination: lineDestination('/dev/null') });
  const deps = await buildNodeDeps(config, { logger, noCache: mode !== 'cache' });
  const server = await startExtProcServer(deps, { host: '127.0.0.1', port: 0 });
  return server.port;
}

const port = mode === 'echo' ? await startEcho() : await startReal();
process.send?.({ ready: port });
reportUsage();
process.on('SIGINT', () => process.exit(0));
