// Loads the trimmed Envoy ext_proc protos (./proto, Envoy's package names and field numbers) with
// @grpc/proto-loader. The folder sits next to this module in the source tree and next to the bundle in
// the images (dist/proto), so `new URL('./proto/', import.meta.url)` finds it in both layouts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const EXT_PROC_PROTO = 'envoy/service/ext_proc/v3/external_processor.proto';
export const PROCESS_METHOD_PATH = '/envoy.service.ext_proc.v3.ExternalProcessor/Process';

/** The options peers.md section 2.2 recommends: snake_case keys, enum names, oneof discriminators. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export function protoDir(): string {
  const candidates = [
    process.env.SEMROUTE_EXTPROC_PROTO_DIR,
    fileURLToPath(new URL('./proto/', import.meta.url)),
    // `npm start` from a checkout runs the bundle in dist/ while the protos stay in the source tree.
    join(process.cwd(), 'runtimes/node/extproc/proto'),
  ];
  for (const dir of candidates) {
    if (dir && existsSync(`${dir}/${EXT_PROC_PROTO}`)) return dir;
  }
  throw new Error(
    `ext_proc protos not found (looked in ${candidates.filter(Boolean).join(', ')}); set SEMROUTE_EXTPROC_PROTO_DIR`,
  );
}

export interface ExtProcDefinition {
  packageDefinition: protoLoader.PackageDefinition;
  service: grpc.ServiceDefinition;
  /** Client constructor, used by tests that play Envoy. */
  Client: grpc.ServiceClientConstructor;
}

let cached: ExtProcDefinition | undefined;

export function loadExtProc(): ExtProcDefinition {
  if (cached) return cached;
  const packageDefinition = protoLoader.loadSync(EXT_PROC_PROTO, { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  const root = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    envoy: { service: { ext_proc: { v3: { ExternalProcessor: grpc.ServiceClientConstructor } } } };
  };
  const Client = root.envoy.service.ext_proc.v3.ExternalProcessor;
  cached = { packageDefinition, service: Client.service, Client };
  return cached;
}
