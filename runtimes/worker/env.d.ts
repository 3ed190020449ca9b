// Module shapes wrangler gives non-JS imports (its default CompiledWasm rule for *.wasm).
declare module '*.wasm' {
  const mod: WebAssembly.Module;
  export default mod;
}

// The two pieces of the workerd built-in module used here. The full @cloudflare/workers-types would
// replace the DOM lib's fetch types that src/ is written against.
declare module 'cloudflare:workers' {
  export abstract class DurableObject<Env = unknown> {
    protected ctx: unknown;
    protected env: Env;
    constructor(ctx: unknown, env: Env);
  }
  /** Keeps the current request's isolate context alive until the promise settles. */
  export function waitUntil(promise: Promise<unknown>): void;
}
