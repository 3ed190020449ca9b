// Candidate filter for the vector index: an int8 dot product over every row of one partition,
// turned into a provable upper bound of the true cosine, written as WebAssembly SIMD (hand-assembled
// here so the core needs no build step or runtime import). Rows whose bound reaches the threshold
// are returned for an exact float32 re-check, so the search stays exact while reading 1/4 of the bytes.
// Where WebAssembly cannot be compiled (Workers forbid compiling bytes at run time) the same filter
// runs in plain JS.

/** Layout the kernel reads; all offsets are byte offsets into `memory`. */
export interface KernelArgs {
  /** first and second halves of the int8 rows, in two slabs so the first pass streams half the bytes */
  data: number; datb: number; q16: number; n: number; stride: number; part: number; pid: number;
  /** per-row int8 scale, quantisation error norm, and norm of the second half of the row */
  sx: number; en: number; rn: number;
  /** query scale, query quantisation error norm, norm of the query's second half, threshold */
  sq: number; eq: number; qr: number; t: number; out: number;
}

export type ScanFn = (a: KernelArgs) => number;

const uleb = (n: number): number[] => {
  const o: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n);
  return o;
};
const sleb = (n: number): number[] => {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f; n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) { o.push(b); return o; }
    o.push(b | 0x80);
  }
};
const str = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i], tee = (i: number) => [0x22, i];
const i32 = (n: number) => [0x41, ...sleb(n)];
const simd = (op: number, ...rest: number[]) => [0xfd, ...uleb(op), ...rest];
const vload = (off = 0) => simd(0x00, 4, ...uleb(off));
const vzero = simd(0x0c, ...new Array(16).fill(0));
const ADD = 0x6a, MUL = 0x6c, SHL = 0x74, LT_U = 0x49, GE_U = 0x4f, NE = 0x47, END = 0x0b;
const F_ADD = 0x92, F_MUL = 0x94, F_GE = 0x60, F_CONV = 0xb2;
const at4 = (base: number, idx: number) => [...get(base), ...get(idx), ...i32(2), SHL, ADD];

// params: data datb q16 n stride part pid sx en rn sq eq qr t out; locals r p end qp cnt mid x acc0 acc1.
// Two stages per row: the int8 dot over the first half of the dimensions plus |q_rest|*|x_rest|
// (Cauchy-Schwarz) bounds the score; a row that cannot reach t skips its second half.
const [DATA, DATB, Q16, N, STRIDE, PART, PID, SX, EN, RN, SQ, EQ, QR, T, OUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
const [R, P, E, QP, CNT, HALF, X, A0, A1] = [15, 16, 17, 18, 19, 20, 21, 22, 23];
// 32 bytes per iteration (both halves are whole multiples of 32 bytes when stride % 64 == 0).
const inner = (limit: number) => [
  0x03, 0x40,
  ...get(P), ...vload(0), ...set(X),
  ...get(A0), ...get(X), ...simd(0x87), ...get(QP), ...vload(0), ...simd(0xba), ...simd(0xae), ...set(A0),
  ...get(A1), ...get(X), ...simd(0x88), ...get(QP), ...vload(16), ...simd(0xba), ...simd(0xae), ...set(A1),
  ...get(P), ...vload(16), ...set(X),
  ...get(A0), ...get(X), ...simd(0x87), ...get(QP), ...vload(32), ...simd(0xba), ...simd(0xae), ...set(A0),
  ...get(A1), ...get(X), ...simd(0x88), ...get(QP), ...vload(48), ...simd(0xba), ...simd(0xae), ...set(A1),
  ...get(QP), ...i32(64), ADD, ...set(QP),
  ...get(P), ...i32(32), ADD, ...tee(P), ...get(limit), LT_U, 0x0d, 0,
  END,
];
const f32at = (base: number) => [...at4(base, R), 0x2a, 2, 0];
// sq*sx*idot + eq*(1+en) + en, with idot the horizontal sum of acc0+acc1
const bound = [
  ...get(A0), ...get(A1), ...simd(0xae), ...set(X),
  ...get(SQ), ...f32at(SX), F_MUL,
  ...get(X), ...simd(0x1b, 0), ...get(X), ...simd(0x1b, 1), ADD, ...get(X), ...simd(0x1b, 2), ADD, ...get(X), ...simd(0x1b, 3), ADD,
  F_CONV, F_MUL,
  ...get(EQ), 0x43, 0, 0, 0x80, 0x3f /* f32.const 1 */, ...f32at(EN), F_ADD, F_MUL, F_ADD,
  ...f32at(EN), F_ADD,
];
const body = [
  ...vec([[6, I32], [3, V128]]),
  ...get(STRIDE), ...i32(1), 0x76 /* i32.shr_u */, ...set(HALF),
  0x02, 0x40, ...get(N), ...i32(0), 0x4c /* i32.le_s */, 0x0d, 0,
  0x03, 0x40,
  0x02, 0x40,
  ...at4(PART, R), 0x28, 2, 0, ...get(PID), NE, 0x0d, 0,
  ...vzero, ...set(A0), ...vzero, ...set(A1),
  ...get(DATA), ...get(R), ...get(HALF), MUL, ADD, ...tee(P), ...get(HALF), ADD, ...set(E),
  ...get(Q16), ...set(QP),
  ...inner(E),
  ...bound, ...get(QR), ...f32at(RN), F_MUL, F_ADD, ...get(T), 0x5d /* f32.lt */, 0x0d, 0,
  ...get(DATB), ...get(R), ...get(HALF), MUL, ADD, ...tee(P), ...get(HALF), ADD, ...set(E),
  ...inner(E),
  ...bound, ...get(T), F_GE,
  0x04, 0x40,
  ...at4(OUT, CNT), ...get(R), 0x36, 2, 0,
  ...get(CNT), ...i32(1), ADD, ...set(CNT),
  END,
  END,
  ...get(R), ...i32(1), ADD, ...tee(R), ...get(N), LT_U, 0x0d, 0,
  END,
  END,
  ...get(CNT),
  END,
];
void GE_U;

const moduleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32], [F32], [F32], [F32], [F32], [I32]]), 1, I32]])),
  ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x00, 0x01]])),
  ...section(3, vec([[0]])),
  ...section(7, vec([[...str('scan'), 0x00, 0]])),
  ...section(10, vec([[...uleb(body.length), ...body]])),
]);

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel, or null where WebAssembly (or its SIMD) is not available. */
export function simdModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(moduleBytes) ? new WebAssembly.Module(moduleBytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Binds the kernel to one memory. */
export function wasmScan(mod: WebAssembly.Module, memory: WebAssembly.Memory): ScanFn {
  const inst = new WebAssembly.Instance(mod, { env: { mem: memory } });
  const scan = inst.exports.scan as (...a: number[]) => number;
  return (a) => scan(a.data, a.datb, a.q16, a.n, a.stride, a.part, a.pid, a.sx, a.en, a.rn, a.sq, a.eq, a.qr, a.t, a.out);
}

/** The same filter in plain JS (same float32 rounding of the bound is not needed: it only over-selects). */
export function jsScan(memory: { buffer: ArrayBufferLike }): ScanFn {
  return (a) => {
    const buf = memory.buffer;
    const data = new Int8Array(buf), q = new Int16Array(buf, a.q16, a.stride);
    const part = new Int32Array(buf, a.part, a.n), sx = new Float32Array(buf, a.sx, a.n);
    const en = new Float32Array(buf, a.en, a.n), out = new Int32Array(buf, a.out, a.n);
    let cnt = 0;
    for (let r = 0; r < a.n; r++) {
      if (part[r] !== a.pid) continue;
      let acc = 0;
      const h = a.stride / 2;
      for (let j = 0, o = a.data + r * h, o2 = a.datb + r * h; j < h; j++) acc += data[o + j]! * q[j]! + data[o2 + j]! * q[h + j]!;
      if (a.sq * sx[r] * acc + a.eq * (1 + en[r]) + en[r] + 1e-6 >= a.t) out[cnt++] = r;
    }
    return cnt;
  };
}
