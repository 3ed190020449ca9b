// Small numeric helpers over model outputs. Accumulate in float64 so the result does not depend on
// summation order more than the float32 inputs already do.

/** Numerically stable softmax of data[offset, offset+n). */
export function softmax(data: ArrayLike<number>, offset = 0, n = data.length - offset): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = data[offset + i]!;
    if (v > max) max = v;
  }
  const out = new Float32Array(n);
  if (!Number.isFinite(max)) {
    // All -Infinity or NaN present: a uniform answer is better defined than NaNs.
    out.fill(n > 0 ? 1 / n : 0);
    return out;
  }
  let sum = 0;
  const tmp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = Math.exp(data[offset + i]! - max);
    tmp[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i] = tmp[i]! / sum;
  return out;
}

/** softmax(data[offset, offset+n))[k] without building the whole distribution. */
export function softmaxAt(data: ArrayLike<number>, offset: number, n: number, k: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (data[offset + i]! > max) max = data[offset + i]!;
  if (!Number.isFinite(max)) return n > 0 ? 1 / n : 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(data[offset + i]! - max);
  return Math.exp(data[offset + k]! - max) / sum;
}

/** Copy of data[offset, offset+n) as Float32Array (probabilities given by the graph). */
export function slice32(data: ArrayLike<number>, offset = 0, n = data.length - offset): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = data[offset + i]!;
  return out;
}

/** Index of the largest value (first on ties); -1 for an empty array. */
export function argmax(data: ArrayLike<number>, offset = 0, n = data.length - offset): number {
  let best = -1;
  let bestV = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = data[offset + i]!;
    if (best < 0 || v > bestV) {
      best = i;
      bestV = v;
    }
  }
  return best;
}

/** L2-normalised copy; a zero vector stays zero rather than becoming NaN. */
export function l2normalize(v: ArrayLike<number>): Float32Array {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  const norm = Math.sqrt(ss);
  if (norm === 0 || !Number.isFinite(norm)) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}
