// The distinct ids of one text with their counts, in first-seen order: an open-addressing table
// whose slots are invalidated by bumping a generation stamp, so a request clears nothing and
// allocates nothing. Shared by the n-gram and word-vector encoders; not re-entrant.
export class DistinctIds {
  readonly ids: Int32Array;
  readonly counts: Float32Array;
  /** Distinct ids so far. */
  n = 0;
  /** True once an id was dropped because `capacity` distinct ids were already held. */
  full = false;
  private readonly keys: Int32Array;
  private readonly stamp: Int32Array;
  private readonly slot: Int32Array;
  private gen = 0;

  constructor(readonly capacity: number) {
    let size = 16;
    while (size < capacity * 2) size <<= 1; // load factor <= 0.5 keeps probe runs short
    this.keys = new Int32Array(size);
    this.stamp = new Int32Array(size);
    this.slot = new Int32Array(size);
    this.ids = new Int32Array(capacity);
    this.counts = new Float32Array(capacity);
  }

  reset(): void {
    this.gen = (this.gen + 1) | 0;
    if (this.gen === 0) {
      this.stamp.fill(0);
      this.gen = 1;
    }
    this.n = 0;
    this.full = false;
  }

  /** Counts `id`; returns its slot when it is new, -1 when it was seen before or the table is full. */
  add(id: number): number {
    const { keys, stamp, gen } = this;
    const tmask = keys.length - 1;
    let i = (Math.imul(id, 0x9e3779b1) >>> 0) & tmask;
    while (stamp[i] === gen) {
      if (keys[i] === id) {
        this.counts[this.slot[i]!]! += 1;
        return -1;
      }
      i = (i + 1) & tmask;
    }
    const n = this.n;
    if (n >= this.capacity) {
      this.full = true;
      return -1;
    }
    stamp[i] = gen;
    keys[i] = id;
    this.slot[i] = n;
    this.ids[n] = id;
    this.counts[n] = 1;
    this.n = n + 1;
    return n;
  }
}
