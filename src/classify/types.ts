// Contracts of the classification layer. The core sees only these; each runtime supplies an
// InferenceEngine (onnxruntime-node or onnxruntime-web) and a ModelSource (files or Worker assets).

export type TensorType = 'float32' | 'int64' | 'int32';
export type TensorData = Float32Array | BigInt64Array | Int32Array;

/** A plain tensor, independent of any ONNX runtime's Tensor class. */
export interface Tensor {
  type: TensorType;
  data: TensorData;
  dims: readonly number[];
}

export interface InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  release?(): Promise<void>;
}

/** Execution provider actually in use, as reported by /info/models. */
export type Provider = 'cuda' | 'cpu' | 'webgpu' | 'wasm';

export interface InferenceEngine {
  /** e.g. "onnxruntime-node" | "onnxruntime-web" */
  readonly name: string;
  /** Build a session from ONNX bytes; reports the provider that accepted the model. */
  createSession(model: Uint8Array): Promise<InferenceSession & { provider: Provider }>;
  /**
   * True when packs asked for one text should also get a fused session (classify/fused.ts): it pays
   * where a run has a fixed cost worth saving and memory allows the merged copy of their weights.
   */
  readonly fusion?: boolean;
}

/** Where pack files come from: a folder on disk (Node), static assets or R2 (Worker), memory (tests). */
export interface ModelSource {
  /** Read a file relative to the source root, e.g. "domain/manifest.json". Rejects if absent. */
  read(path: string): Promise<Uint8Array>;
  /** Human-readable location for error messages and /info/models, e.g. an absolute path. */
  describe(path: string): string;
}

export type PackTask = 'sequence-classification' | 'token-classification' | 'embedding';

/** manifest.json of a model pack. Featurizer parameters are exact: training and serving share them. */
export interface PackManifest {
  name: string;
  version: string;
  task: PackTask;
  featurizer: { type: string; [param: string]: unknown };
  /** ONNX graph input names, in the order the featurizer produces them. */
  inputs: string[];
  /** ONNX output to read. */
  output: string;
  /** 'probabilities' if the graph ends in Softmax, 'logits' if the loader must apply it. */
  output_kind?: 'probabilities' | 'logits' | 'embedding';
  /** Maximum number of tokens / n-gram positions the featurizer emits; longer text is windowed or cut explicitly. */
  max_length: number;
  /** Default decision threshold for this pack (config can override). */
  threshold?: number;
  files?: { model?: string; labels?: string; tokenizer?: string; [k: string]: string | undefined };
  [extra: string]: unknown;
}

/** One input text turned into graph feeds, plus what the caller needs to map outputs back. */
export interface Features {
  feeds: Record<string, Tensor>;
  /** Number of real tokens/positions before padding. */
  length: number;
  /** True when the text was longer than max_length and was cut. */
  truncated: boolean;
  /** Token classification: character span [start, end) of each token position in the original text. */
  offsets?: Array<[number, number]>;
}

export interface Featurizer {
  readonly type: string;
  encode(text: string): Features;
}

export interface ClassResult {
  label: string;
  index: number;
  confidence: number;
  /** Full distribution, index-aligned with the pack's labels. */
  probabilities: Float32Array;
  truncated: boolean;
}

export interface SequenceClassifier {
  readonly name: string;
  readonly labels: readonly string[];
  readonly threshold: number;
  classify(text: string, opts?: ClassifyOptions): Promise<ClassResult>;
}

export interface ClassifyOptions {
  /**
   * The text is one window of a longer text (the guard's windowed scan): no other classifier will
   * be asked about it, so the pack runs alone and a fused co-runner neither runs others along nor
   * learns from it (windows would otherwise teach it that nothing follows the guard's pack).
   */
  part?: boolean;
}

/** A detected PII entity. Type names are the vLLM Semantic Router's (PERSON, EMAIL_ADDRESS, ...). */
export interface PiiEntity {
  type: string;
  start: number;
  end: number;
  confidence: number;
  /** 'model' for the token model, 'pattern' for deterministic recognizers. */
  source: 'model' | 'pattern';
}

export interface PiiDetector {
  readonly name: string;
  readonly types: readonly string[];
  detect(text: string, opts?: { threshold?: number }): Promise<PiiEntity[]>;
}

export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  /** L2-normalised vector. */
  embed(text: string): Promise<Float32Array>;
}

export interface PackInfo {
  name: string;
  task: PackTask;
  path: string;
  provider: Provider;
  /** Why the engine did not use the provider it preferred (e.g. the Worker fell back from WebGPU to WASM). */
  providerReason?: string;
  engine: string;
  labels: readonly string[];
  /** The labels file read (index -> label), the reference's category/pii mapping path. */
  mappingPath?: string;
  sizeBytes: number;
  loadTimeMs: number;
  threshold?: number;
  featurizer: string;
  maxLength: number;
}

/** All loaded packs, by name. The gateway, the classification API and ext_proc share one instance. */
export interface Classifiers {
  sequence(name: string): SequenceClassifier | undefined;
  pii(name?: string): PiiDetector | undefined;
  embedder(name?: string): Embedder | undefined;
  info(): PackInfo[];
  /**
   * Frees the native sessions (a config reload that replaced these packs calls it once no request
   * uses them any more); nothing may be classified afterwards.
   */
  release?(): Promise<void>;
}

/** One token of a token-classification pack: its character span and argmax label (BIO tag). */
export interface TokenPrediction {
  start: number;
  end: number;
  label: string;
  confidence: number;
}

export interface TokenClassifier {
  readonly name: string;
  readonly labels: readonly string[];
  readonly threshold: number;
  predict(text: string): Promise<TokenPrediction[]>;
}
