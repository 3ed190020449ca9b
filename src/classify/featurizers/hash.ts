// The hash pieces both hashed featurizers build their feature ids from: FNV-1a (32-bit) and
// murmur3's fmix32 finaliser. Training reads the same code, so a change here changes every id a
// packed model was trained on.

export const FNV_OFFSET = 2166136261;
export const FNV_PRIME = 16777619;

/** murmur3 fmix32: spreads FNV's weak low bits before the id is masked to a bucket. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
