// `npm run build`: bundles the Node runtime into dist/semroute-main.mjs (and its chunks) with esbuild, behind a tiny
// entry dist/semroute.mjs (below). onnxruntime-node
// stays external (native addon with its own binaries); the other dependencies are bundled, so the
// output runs with only onnxruntime-node installed beside it. Packs are read from disk at run time.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const root = fileURLToPath(new URL('../../', import.meta.url));

const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
mkdirSync(`${root}dist`, { recursive: true });

// Split at main.ts's dynamic imports (the config checks, the server): a usage error or --help loads
// the entry chunk only, not the whole bundle (~0.4 s of CPU). The chunks sit beside it in dist/, so
// paths taken from import.meta.url (the bundled packs, dist/proto) are the same from each; the last
// build's chunks are removed first.
for (const f of readdirSync(`${root}dist`)) {
  if (/^semroute-part-.*\.mjs(\.map)?$/.test(f)) rmSync(`${root}dist/${f}`);
}
const result = await build({
  entryPoints: { 'semroute-main': `${root}runtimes/node/main.ts` },
  outdir: `${root}dist`,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'semroute-part-[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  metafile: true,
  external: ['onnxruntime-node', 'onnxruntime-web', 'ioredis', '@grpc/grpc-js', '@grpc/proto-loader'],
  // ESM output still meets CommonJS dependencies that call require(): give them one.
  banner: {
    js: "import { createRequire as __semrouteCreateRequire } from 'node:module'; const require = __semrouteCreateRequire(import.meta.url);",
  },
  define: { 'process.env.SEMROUTE_VERSION': JSON.stringify(version) },
  logLevel: 'warning',
});
// The entry: Node's default for SIGHUP is to exit, and loading the bundle and its externals takes ~0.5 s
// before main() can hold one (a SIGHUP then killed the process). The entry counts them first; main.ts
// takes the count over, and its own SIGTERM/SIGINT handlers over from the entry's. It imports the
// bundle by its own path, so process.argv[1] stays dist/semroute.mjs.
writeFileSync(
  `${root}dist/semroute.mjs`,
  `// semroute ${version}: see runtimes/node/build.mjs\n` +
    "globalThis.__semrouteEarlyHup = { count: 0, handler() { globalThis.__semrouteEarlyHup.count++; } };\n" +
    "process.on('SIGHUP', globalThis.__semrouteEarlyHup.handler);\n" +
    // SIGTERM/SIGINT while the bundle loads: nothing runs yet, so exit 0. In a container node is PID 1,
    // and the kernel ignores a signal PID 1 has no handler for: the pod waited for its SIGKILL.
    "globalThis.__semrouteEarlyStop = () => process.exit(0);\n" +
    "process.on('SIGTERM', globalThis.__semrouteEarlyStop);\n" +
    "process.on('SIGINT', globalThis.__semrouteEarlyStop);\n" +
    "await import('./semroute-main.mjs');\n",
);
// The ext_proc server loads Envoy's protos at run time from ./proto next to the bundle (runtimes/node/extproc/proto.ts).
rmSync(`${root}dist/proto`, { recursive: true, force: true });
cpSync(`${root}runtimes/node/extproc/proto`, `${root}dist/proto`, { recursive: true });
const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
console.log(`dist/semroute.mjs + semroute-main.mjs and its chunks built (${(bytes / 1024).toFixed(0)} KiB with map), protos in dist/proto`);
