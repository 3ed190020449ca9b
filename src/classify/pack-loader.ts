// Loads a model pack (manifest.json, labels.json, model.onnx, featurizer files) through a ModelSource
// and an InferenceEngine, and refuses a broken pack with a PackError naming the file and the field.
// A probe run checks what metadata alone cannot: the feeds the featurizer makes are accepted, and the
// output width matches the label count.
import type { Featurizer, InferenceEngine, InferenceSession, ModelSource, PackInfo, PackManifest, Provider, Tensor } from './types.ts';
import { PackError, ProviderUnavailableError, errorText } from './pack-error.ts';
import { parseJsonBytes, parseLabels, validateManifest } from './pack-manifest.ts';
import { featurizerSpec, featurizerTypes, type PackFiles } from './featurizers/index.ts';

export interface LoadedPack {
  manifest: PackManifest;
  labels: string[];
  session: InferenceSession & { provider: Provider };
  featurizer: Featurizer;
  info: PackInfo;
  /** Size of the output's last axis, measured by the probe run (classes or embedding dimensions). */
  outputWidth: number;
  /** The model file, relative to the ModelSource (read again when packs are fused, fused.ts). */
  modelPath?: string;
  /** Runs this pack together with others in one session when that pays (co-run.ts). */
  coRun?: PackRunner;
}

/** What one pack's run gives a classifier: its output and how the text was featurized. */
export interface PackOutput {
  out: Tensor;
  truncated: boolean;
  length: number;
  offsets?: Array<[number, number]>;
}

export interface PackRunner {
  /** Output of `pack` on `text` (already cleaned by cleanInput). */
  run(pack: LoadedPack, text: string): Promise<PackOutput>;
}

const PROBE_TEXT = 'Probe: is this pack able to classify a short sentence?';

export async function loadPack(source: ModelSource, dir: string, engine: InferenceEngine): Promise<LoadedPack> {
  const location = source.describe(dir);
  try {
    return await load(source, dir, engine);
  } catch (err) {
    if (err instanceof PackError) throw err.at(location);
    // Not this pack's fault: the device is missing for every pack alike.
    if (err instanceof ProviderUnavailableError) throw err;
    throw new PackError('(pack)', undefined, errorText(err), location);
  }
}

async function readFile(source: ModelSource, dir: string, file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await source.read(`${dir}/${file}`);
  } catch {
    throw new PackError(file, undefined, 'missing file (or unreadable)');
  }
  if (bytes.byteLength === 0) throw new PackError(file, undefined, 'empty file');
  return bytes;
}

async function load(source: ModelSource, dir: string, engine: InferenceEngine): Promise<LoadedPack> {
  const started = Date.now();
  let size = 0;
  const read = async (file: string) => {
    const b = await readFile(source, dir, file);
    size += b.byteLength;
    return b;
  };
  const tryRead = (file: string) => read(file).catch(() => undefined);

  const manifest = validateManifest(parseJsonBytes(await read('manifest.json'), 'manifest.json'));
  const spec = featurizerSpec(manifest.featurizer.type);
  if (!spec) {
    throw new PackError('manifest.json', 'featurizer.type', `unknown featurizer "${manifest.featurizer.type}" (known: ${featurizerTypes().join(', ')})`);
  }

  const labelsFile = manifest.files?.labels ?? 'labels.json';
  const needsLabels = manifest.task !== 'embedding';
  let labels: string[] = [];
  let labelsField = '(array)';
  const labelBytes = needsLabels ? await read(labelsFile) : await tryRead(labelsFile);
  if (labelBytes) {
    const parsed = parseLabels(parseJsonBytes(labelBytes, labelsFile), labelsFile);
    labels = parsed.labels;
    labelsField = parsed.field;
  }

  const files: Record<string, Uint8Array> = {};
  for (const [key, def] of Object.entries(spec.files ?? {})) files[key] = await read(manifest.files?.[key] ?? def);
  for (const [key, def] of Object.entries(spec.optionalFiles ?? {})) {
    const bytes = await tryRead(manifest.files?.[key] ?? def);
    if (bytes) files[key] = bytes;
  }

  let featurizer: Featurizer;
  try {
    featurizer = spec.create(manifest.featurizer, manifest, files as PackFiles);
  } catch (err) {
    if (err instanceof PackError) throw err;
    throw new PackError('manifest.json', 'featurizer', errorText(err));
  }

  const modelFile = manifest.files?.model ?? 'model.onnx';
  const modelBytes = await read(modelFile);
  let session: InferenceSession & { provider: Provider };
  try {
    session = await engine.createSession(modelBytes);
  } catch (err) {
    if (err instanceof ProviderUnavailableError) throw err;
    throw new PackError(modelFile, undefined, `corrupt or unsupported ONNX model (${errorText(err)})`);
  }

  try {
    checkNames(manifest, session, modelFile);
    const outputWidth = await probe(manifest, session, featurizer, { labels, labelsFile, labelsField, modelFile });
    // An engine may say why this session runs on a fallback provider (runtimes/worker/ort-web-engine.ts).
    const providerReason = (session as { providerReason?: unknown }).providerReason;
    const info: PackInfo = {
      name: manifest.name,
      task: manifest.task,
      path: source.describe(dir),
      provider: session.provider,
      ...(typeof providerReason === 'string' && providerReason ? { providerReason } : {}),
      engine: engine.name,
      labels,
      ...(labelBytes ? { mappingPath: `${source.describe(dir)}/${labelsFile}` } : {}),
      sizeBytes: size,
      loadTimeMs: Date.now() - started,
      ...(manifest.threshold !== undefined ? { threshold: manifest.threshold } : {}),
      featurizer: manifest.featurizer.type,
      maxLength: manifest.max_length,
    };
    return { manifest, labels, session, featurizer, info, outputWidth, modelPath: `${dir}/${modelFile}` };
  } catch (err) {
    await session.release?.().catch(() => {});
    throw err;
  }
}

function checkNames(manifest: PackManifest, session: InferenceSession, modelFile: string): void {
  const graphInputs = session.inputNames;
  for (const name of manifest.inputs) {
    if (!graphInputs.includes(name)) {
      throw new PackError('manifest.json', 'inputs', `"${name}" is not an input of ${modelFile} (graph inputs: ${graphInputs.join(', ')})`);
    }
  }
  for (const name of graphInputs) {
    if (!manifest.inputs.includes(name)) {
      throw new PackError('manifest.json', 'inputs', `graph input "${name}" of ${modelFile} is not listed`);
    }
  }
  if (!session.outputNames.includes(manifest.output)) {
    throw new PackError('manifest.json', 'output', `"${manifest.output}" is not an output of ${modelFile} (graph outputs: ${session.outputNames.join(', ')})`);
  }
}

async function probe(
  manifest: PackManifest,
  session: InferenceSession,
  featurizer: Featurizer,
  ctx: { labels: string[]; labelsFile: string; labelsField: string; modelFile: string },
): Promise<number> {
  let features;
  try {
    features = featurizer.encode(PROBE_TEXT);
  } catch (err) {
    throw new PackError('manifest.json', 'featurizer', `featurizer failed on a probe text (${errorText(err)})`);
  }
  if (manifest.task === 'token-classification' && !features.offsets) {
    throw new PackError('manifest.json', 'featurizer.type', `"${manifest.featurizer.type}" gives no token offsets, which token-classification needs`);
  }
  const fed = Object.keys(features.feeds).sort().join(',');
  if (fed !== [...manifest.inputs].sort().join(',')) {
    throw new PackError('manifest.json', 'inputs', `featurizer produces [${fed}], manifest lists [${manifest.inputs.join(', ')}]`);
  }
  let out;
  try {
    out = (await session.run(features.feeds))[manifest.output];
  } catch (err) {
    throw new PackError(ctx.modelFile, undefined, `probe run failed (${errorText(err)})`);
  }
  if (!out || out.type !== 'float32') {
    throw new PackError('manifest.json', 'output', `"${manifest.output}" must be a float32 tensor, got ${out?.type ?? 'nothing'}`);
  }
  const dims = out.dims;
  const width = dims[dims.length - 1] ?? 0;
  const rank = manifest.task === 'token-classification' ? 3 : 2;
  const rankOk = manifest.task === 'embedding' ? dims.length === 2 || dims.length === 3 : dims.length === rank;
  if (!rankOk || width < 1) {
    throw new PackError('manifest.json', 'task', `${manifest.task} expects output "${manifest.output}" of rank ${rank}, ${ctx.modelFile} gives shape [${dims.join(', ')}]`);
  }
  if (manifest.task !== 'embedding' && width !== ctx.labels.length) {
    throw new PackError(ctx.labelsFile, ctx.labelsField, `${ctx.labels.length} labels, but ${ctx.modelFile} output "${manifest.output}" has width ${width}`);
  }
  return width;
}
