// Candidate filter for the vector index: an int8 dot product over every row of one partition,
// turned into a provable upper bound of the true cosine, written as WebAssembly SIMD (hand-assembled
// here so the core needs no build step or runtime import). Rows whose bound reaches the threshold
// are returned for an exact float32 re-check, so the search stays exact while reading 1/4 of the bytes.
// Where WebAssembly cannot be compiled (Workers forbid compiling bytes at run time) the same filter
// runs in plain JS.

/** Layout the kernel reads; all offsets are byte offsets into `memory`. */
export interface KernelArgs {
  /** the int8 rows split in two slabs, dims [0, h1) and [h1, stride), so the first pass streams only h1 bytes a row */
  data: number; datb: number; q16: number; n: number; stride: number; part: number; pid: number;
  /** per-row int8 scale, quantisation error norm, and norm of the second half of the row */
  sx: number; en: number; rn: number;
  /** query scale, query quantisation error norm, norm of the query's second half, threshold */
  sq: number; eq: number; qr: number; t: number; out: number;
  /** bytes of the first slab per row (a multiple of 32, less than stride) */
  h1: number;
  /** 48 bytes of kernel scratch, 16-byte aligned */
  scr: number;
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

// params: data datb q16 n stride part pid sx en rn sq eq qr t out h1 scr.
// Rows go in blocks of 4 (the index pads its arrays to a multiple of 4 rows; padding rows have
// partition 0, which never matches). Stage 1 per block: the int8 dot of each row's first h1 dims,
// the four sums transposed into one vector, and the bound sq*sx*idot + eq*(1+en) + en + |q_rest|*|x_rest|
// (Cauchy-Schwarz for the dims not yet read) computed for the four rows at once; a block that has
// no row of the partition, or no row whose bound reaches t, costs nothing more. Stage 2, per
// surviving row: the rest of the int8 dot, and the same bound without the tail term.
// scr: 48 bytes of scratch (stage-1 dots, sq*sx, error slack, four lanes each).
const [DATA, DATB, Q16, N, STRIDE, PART, PID, SX, EN, RN, SQ, EQ, QR, T, OUT, H1, SCR] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const [R, P, E, QP, CNT, H2, M, K] = [17, 18, 19, 20, 21, 22, 23, 24];
const [X, A0, A1, C0, C1, C2, C3, PM] = [25, 26, 27, 28, 29, 30, 31, 32];
// 32 bytes per iteration (both slabs are whole multiples of 32 bytes, neither empty).
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
const I32X4_ADD = simd(0xae), F32X4_ADD = simd(0xe4), F32X4_MUL = simd(0xe6), F32X4_SPLAT = simd(0x13);
const vstore = (off: number) => simd(0x0b, 4, ...uleb(off));
const shuffle = (...lanes: number[]) => simd(0x0d, ...lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]));
// sum of the four i32 lanes of a and of b, interleaved: [a0+a2, b0+b2, a1+a3, b1+b3]
const pairSum = (a: number, b: number) => [...get(a), ...get(b), ...shuffle(0, 4, 1, 5), ...get(a), ...get(b), ...shuffle(2, 6, 3, 7), ...I32X4_ADD];
const stage1Row = (k: number, acc: number) => [
  ...vzero, ...set(A0), ...vzero, ...set(A1),
  ...get(DATA), ...get(R), ...i32(k), ADD, ...get(H1), MUL, ADD, ...tee(P), ...get(H1), ADD, ...set(E),
  ...get(Q16), ...set(QP),
  ...inner(E),
  ...get(A0), ...get(A1), ...I32X4_ADD, ...set(acc),
];
const rowVec = (base: number) => [...at4(base, R), ...vload(0)];
const scratch32 = (off: number) => [...get(SCR), ...get(K), ...i32(2), SHL, ADD, 0x28, 2, ...uleb(off)];
const scratchF32 = (off: number) => [...get(SCR), ...get(K), ...i32(2), SHL, ADD, 0x2a, 2, ...uleb(off)];
const stage2 = [
  ...i32(0), ...set(K),
  0x03, 0x40,
  0x02, 0x40,
  ...get(M), ...get(K), 0x76 /* i32.shr_u */, ...i32(1), 0x71 /* i32.and */, 0x45 /* i32.eqz */, 0x0d, 0,
  ...vzero, ...set(A0), ...vzero, ...set(A1),
  ...get(DATB), ...get(R), ...get(K), ADD, ...get(H2), MUL, ADD, ...tee(P), ...get(H2), ADD, ...set(E),
  ...get(Q16), ...get(H1), ...i32(1), SHL, ADD, ...set(QP),
  ...inner(E),
  ...get(A0), ...get(A1), ...I32X4_ADD, ...set(X),
  ...get(X), ...simd(0x1b, 0), ...get(X), ...simd(0x1b, 1), ADD, ...get(X), ...simd(0x1b, 2), ADD, ...get(X), ...simd(0x1b, 3), ADD,
  ...scratch32(0), ADD, F_CONV, ...scratchF32(16), F_MUL, ...scratchF32(32), F_ADD, ...get(T), F_GE,
  0x04, 0x40,
  ...at4(OUT, CNT), ...get(R), ...get(K), ADD, 0x36, 2, 0,
  ...get(CNT), ...i32(1), ADD, ...set(CNT),
  END,
  END,
  ...get(K), ...i32(1), ADD, ...tee(K), ...i32(4), LT_U, 0x0d, 0,
  END,
];
const body = [
  ...vec([[8, I32], [8, V128]]),
  ...get(STRIDE), ...get(H1), 0x6b /* i32.sub */, ...set(H2),
  0x02, 0x40, ...get(N), ...i32(0), 0x4c /* i32.le_s */, 0x0d, 0,
  0x03, 0x40,
  0x02, 0x40,
  ...rowVec(PART), ...get(PID), ...simd(0x11), ...simd(0x37), ...tee(PM), ...simd(0x53), 0x45, 0x0d, 0,
  ...stage1Row(0, C0), ...stage1Row(1, C1), ...stage1Row(2, C2), ...stage1Row(3, C3),
  ...pairSum(C0, C1), ...set(C0), ...pairSum(C2, C3), ...set(C2),
  ...get(C0), ...get(C2), ...shuffle(0, 1, 4, 5), ...get(C0), ...get(C2), ...shuffle(2, 3, 6, 7), ...I32X4_ADD, ...set(C1),
  ...get(SCR), ...get(C1), ...vstore(0),
  ...get(SCR), ...rowVec(SX), ...get(SQ), ...F32X4_SPLAT, ...F32X4_MUL, ...vstore(16),
  ...get(SCR), ...get(EQ), ...F32X4_SPLAT, ...rowVec(EN), ...get(EQ), 0x43, 0, 0, 0x80, 0x3f /* f32.const 1 */, F_ADD, ...F32X4_SPLAT, ...F32X4_MUL, ...F32X4_ADD, ...vstore(32),
  ...get(C1), ...simd(0xfa, 0x01) /* f32x4.convert_i32x4_s */, ...get(SCR), ...vload(16), ...F32X4_MUL, ...get(SCR), ...vload(32), ...F32X4_ADD,
  ...rowVec(RN), ...get(QR), ...F32X4_SPLAT, ...F32X4_MUL, ...F32X4_ADD, ...get(T), ...F32X4_SPLAT, ...simd(0x46) /* f32x4.ge */,
  ...get(PM), ...simd(0x4e) /* v128.and */, ...simd(0xa4, 0x01) /* i32x4.bitmask */, ...tee(M), 0x45, 0x0d, 0,
  ...stage2,
  END,
  ...get(R), ...i32(4), ADD, ...tee(R), ...get(N), LT_U, 0x0d, 0,
  END,
  END,
  ...get(CNT),
  END,
];
void GE_U; void NE;

const moduleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32], [F32], [F32], [F32], [F32], [I32], [I32], [I32]]), 1, I32]])),
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
  return (a) => scan(a.data, a.datb, a.q16, a.n, a.stride, a.part, a.pid, a.sx, a.en, a.rn, a.sq, a.eq, a.qr, a.t, a.out, a.h1, a.scr);
}

/** The same two-stage filter in plain JS (float64 arithmetic; the bound only has to be no lower than the kernel's). */
export function jsScan(memory: { buffer: ArrayBufferLike }): ScanFn {
  return (a) => {
    const buf = memory.buffer;
    const data = new Int8Array(buf), q = new Int16Array(buf, a.q16, a.stride);
    const part = new Int32Array(buf, a.part, a.n), sx = new Float32Array(buf, a.sx, a.n);
    const en = new Float32Array(buf, a.en, a.n), rn = new Float32Array(buf, a.rn, a.n), out = new Int32Array(buf, a.out, a.n);
    const h1 = a.h1, h2 = a.stride - h1;
    let cnt = 0;
    for (let r = 0; r < a.n; r++) {
      if (part[r] !== a.pid) continue;
      let acc = 0;
      for (let j = 0, o = a.data + r * h1; j < h1; j++) acc += data[o + j]! * q[j]!;
      const s = sx[r]!, e = en[r]!, slack = a.eq * (1 + e) + e + 1e-6;
      if (a.sq * s * acc + slack + a.qr * rn[r]! < a.t) continue;
      for (let j = 0, o = a.datb + r * h2; j < h2; j++) acc += data[o + j]! * q[h1 + j]!;
      if (a.sq * s * acc + slack >= a.t) out[cnt++] = r;
    }
    return cnt;
  };
}
