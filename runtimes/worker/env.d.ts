// Module shapes wrangler gives non-JS imports (its default CompiledWasm rule for *.wasm).
declare module '*.wasm' {
  const mod: WebAssembly.Module;
  export default mod;
}
