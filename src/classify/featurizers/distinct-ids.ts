// The distinct ids of one text with their counts, in first-seen order: an open-addressing table
// whose entries are invalidated by bumping a generation number, so a request clears nothing and
// allocates nothing. Shared by the n-gram and word-vector encoders; not re-entrant.
//
// Each entry is two adjacent int32s, [id, gen << slotBits | slot], so a probe touches one cache
// line (three separate key/stamp/slot arrays cost three). The ids are fmix32 outputs masked to a
// bucket count, so their low bits already are uniform and index the table as they are.
export class DistinctIds {
  readonly ids: Int32Array;
  readonly counts: Float32Array;
  /** Distinct ids so far. */
  n = 0;
  /** True once an id was dropped because `capacity` distinct ids were already held. */
  full = false;
  private readonly tab: Int32Array;
  private readonly tmask: number;
  private readonly slotBits: number;
  private readonly slotMask: number;
  private readonly maxGen: number;
  private gen = 1; // a fresh (all-zero) table reads as generation 0: empty

  constructor(readonly capacity: number) {
    let size = 16;
    while (size < capacity * 2) size <<= 1; // load factor <= 0.5 keeps probe runs short
    let bits = 1;
    while (1 << bits < capacity) bits++;
    this.slotBits = bits;
    this.slotMask = (1 << bits) - 1;
    // tag = gen << bits | slot stays a positive int32; past maxGen the table is cleared once.
    this.maxGen = 2 ** (31 - bits) - 1;
    this.tab = new Int32Array(2 * size);
    this.tmask = size - 1;
    this.ids = new Int32Array(capacity);
    this.counts = new Float32Array(capacity);
  }

  reset(): void {
    this.gen++;
    if (this.gen > this.maxGen) {
      this.tab.fill(0);
      this.gen = 1;
    }
    this.n = 0;
    this.full = false;
  }

  /** Counts `id`; returns its slot when it is new, -1 when it was seen before or the table is full. */
  add(id: number): number {
    const tab = this.tab;
    const tmask = this.tmask;
    const gen = this.gen;
    const bits = this.slotBits;
    let i = id & tmask;
    let t = tab[2 * i + 1]!;
    while (t >>> bits === gen) {
      if (tab[2 * i] === id) {
        this.counts[t & this.slotMask]! += 1;
        return -1;
      }
      i = (i + 1) & tmask;
      t = tab[2 * i + 1]!;
    }
    const n = this.n;
    if (n >= this.capacity) {
      this.full = true;
      return -1;
    }
    tab[2 * i] = id;
    tab[2 * i + 1] = (gen << bits) | n;
    this.ids[n] = id;
    this.counts[n] = 1;
    this.n = n + 1;
    return n;
  }
}
