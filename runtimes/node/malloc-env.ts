// glibc malloc settings the launchers set for semroute (package.json `npm start`, Dockerfile,
// Dockerfile.cuda; test/unit/node-malloc-env.test.ts keeps them equal to these). glibc reads them
// when the process starts, so they cannot be set from JavaScript.
// Loading the packs allocates and frees tens of MB in 1-20 MB blocks (model bytes, onnxruntime's
// parse of them, the fused model). With glibc's default, the mmap threshold rises to the size of the
// first large block freed, so later ones come from the heap and stay resident after they are freed
// ([heap] ~50 MB against ~13 MB; bench/rss.ts: idle 163 -> 139 MB, under 32-connection load
// 215 -> 188 MB). A fixed MALLOC_MMAP_THRESHOLD_ also freezes the trim threshold at 128 KB, which made
// glibc trim and regrow its heaps ~100 times a second under load (strace: 759 mmap/munmap/madvise/brk
// calls in 4 s against 112); 2 MB brings that back to 248 for ~2 MB more RSS.
// musl (Alpine) ignores both: the images are node:20-slim (Debian, glibc).
export const MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '2097152',
};
