// Envoy ext_proc gRPC server running the same pipeline as the HTTP gateway.
// Stub with the fixed signature: the deploy work replaces the body.
import type { AppDeps } from '../../../src/deps.ts';

export interface ExtProcServer {
  port: number;
  close(): Promise<void>;
}

export async function startExtProcServer(deps: AppDeps, opts: { host?: string; port: number }): Promise<ExtProcServer> {
  void deps;
  throw new Error(`ext_proc server not implemented yet (port ${opts.port})`);
}
