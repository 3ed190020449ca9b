// Semantic cache contracts. The in-memory index lives in src/cache; shared backends (Redis on Node,
// KV / Durable Object on Workers) plug in from runtimes/* through CacheBackend.

/** A stored answer, replayable as JSON or as SSE whatever form it was recorded in. */
export interface CachedAnswer {
  /** The full chat.completion JSON (a streamed answer is assembled into one). */
  completion: unknown;
  /** The raw SSE chunks as received, when the answer was streamed (replayed verbatim when the client streams). */
  sse?: string[];
  model: string;
  createdMs: number;
  /** Category the request was routed to (selects its per-category threshold); absent for explicit models. */
  category?: string;
  /** Hashes of the question's words in order (word-order.ts): a lookup refuses a reordered twin. */
  order?: number[];
  /** Hashes of its digit-bearing words, sorted (word-order.ts): a lookup refuses other numbers. */
  numbers?: number[];
  /** Hashes of its capitalised words (word-order.ts): a lookup refuses a question naming another. */
  names?: number[];
  /** Codes of its signs and negations (question-marks.ts): a lookup refuses other ones. */
  marks?: number[];
  /** Hashes of the ends of opposite pairs it names (opposites.ts): a lookup refuses the other end. */
  poles?: number[];
  /** Hashes of its words' stems in order (word-swaps.ts): a lookup refuses one word swapped for another. */
  stems?: number[];
}

export interface CacheKeyScope {
  /** The model the client asked for (e.g. "MoM"): different requested models never share. */
  requestedModel: string;
  /** "global" or the user id from the session header under scope: user. */
  scope: string;
  /** Digest of what precedes the latest user message (system prompt, earlier turns, tools); absent = none. */
  context?: string;
}

export interface CacheHit {
  answer: CachedAnswer;
  similarity: number;
  id: string;
}

export interface SemanticCache {
  /** Best entry at or above `threshold` that `accept` (when given) takes. */
  lookup(key: CacheKeyScope, vector: Float32Array, threshold: number, accept?: (answer: CachedAnswer) => boolean): Promise<CacheHit | undefined>;
  store(key: CacheKeyScope, vector: Float32Array, answer: CachedAnswer): Promise<void>;
  size(): number;
  /** Sets the entries gauge to size() (a config reload that replaced the cache: the gauge is the serving one's). */
  showSize?(): void;
  close?(): Promise<void>;
}
