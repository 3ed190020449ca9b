// Config hot reload for the Node process: on SIGHUP, and when the config file changes. The watch is
// on the file's folder, not the file: a Kubernetes ConfigMap volume is updated by swapping the
// `..data` symlink, which an inotify watch on the file itself never sees. A reload reads and validates
// the file with the start-up loader; an invalid one is logged (key paths only) and counted, and the
// old config keeps serving. A valid one gets new deps, reusing what its change did not touch (the
// metrics registry always, the cache and the loaded packs when their settings are the same), and
// serves NEW requests; requests in flight finish on the deps they started with, and what the reload
// replaced is freed once the last request using it is done (and the cache writes its answer started).
import { dirname, resolve } from 'node:path';
import type { ServerResponse } from 'node:http';
import { createApp } from '../../src/app.ts';
import { ConfigError, loadConfigText, type LoadedConfig } from '../../src/config/index.ts';
import { safeIssues } from '../../src/config/safe-errors.ts';
import type { Config } from '../../src/config/schema.ts';
import { extprocSection } from '../../src/config/sections/extproc.ts';
import type { AppDeps } from '../../src/deps.ts';
import type { Logger } from '../../src/observability/types.ts';
import type { Registry } from '../../src/observability/registry.ts';
import { createMetrics, knownModels, MODEL_LABELS } from '../../src/observability/metrics.ts';
import { recordPackMetrics } from '../../src/observability/model-info.ts';
import { buildNodeDeps, loadNodeClassifiers } from './deps.ts';
import { hash, watchFolder } from './config-watch.ts';
import { Part } from './shared-part.ts';
import { showServingCache } from './cache-gauge.ts';
import { declareReloadMetrics, reloadRefused, reloadSucceeded } from './reload-metrics.ts';
import { cacheKey, classifiersKey, hasEvery, upstreamKey } from './reload-keys.ts';
import { readConfigFile } from './config-file.ts';
import { applyObservability, pinObservability, withObservability } from './reload-observability.ts';

export { RELOADS_METRIC, LAST_SUCCESS_METRIC, RELOAD_OK_METRIC } from './reload-metrics.ts';
export { readConfigFile };
/** How long close() waits for work answers left running (a cache write) before it frees everything. */
const CLOSE_WAIT_MS = 2_000;

/**
 * Settings a running process cannot change (sockets already bound; metrics.enabled decides whether
 * the app serves /metrics): a reload that changes one says so and runs on without it.
 */
// Values, not presence: a section added with its defaults changes nothing (as withObservability).
const EXTPROC_DEFAULTS = extprocSection.parse({});
const extproc = (c: Config) => c.extproc ?? EXTPROC_DEFAULTS;
const NEEDS_RESTART: Array<[string, (c: Config) => unknown]> = [
  ['server.host', (c) => c.server.host],
  ['server.port', (c) => c.server.port],
  ['extproc.enabled', (c) => extproc(c).enabled],
  ['extproc.host', (c) => extproc(c).host],
  ['extproc.port', (c) => extproc(c).port],
  ['extproc.max_message_bytes', (c) => extproc(c).max_message_bytes],
  ['observability.metrics.enabled', (c) => c.observability?.metrics.enabled],
  ['observability.metrics.port', (c) => c.observability?.metrics.port],
];

type Fetch = (req: Request, env?: unknown) => Response | Promise<Response>;

interface Generation {
  deps: AppDeps;
  fetch: Fetch;
  parts: { classifiers: Part<AppDeps['classifiers']>; cache: Part<AppDeps['cache']>; upstream: Part<AppDeps['upstream']> };
  inflight: number;
  retired: boolean;
  /** Its parts were dropped: nothing may hold it again (a second drop would free a part the next one shares). */
  freed?: boolean;
}

export interface LiveConfigOptions {
  /** The config file (watched); absent: the bundled default (SIGHUP only). */
  file?: string;
  /** Start-up's read of it. */
  initial: { loaded: LoadedConfig; text: string };
  /** The command line's overrides (--models-dir, --device), applied to every config read. */
  adjust(config: Config): void;
  logger: Logger;
  /** Watch the file's folder (default true; `--no-config-watch` turns it off). */
  watch?: boolean;
  /** Quiet time after the last change event before the file is read (default 200 ms). */
  debounceMs?: number;
  /** Restart-only keys a command-line flag sets: their file value is not used after a restart either. */
  cliKeys?: readonly string[];
  /** Wiring each generation gets before it serves (main.ts: the draining flag). */
  prepare?(deps: AppDeps): void;
  /** The config a reload switched to, at the switch (serve-gateway.ts: tracing, the HTTP server's client timeouts). */
  applied?(config: Config): void;
}

export interface LiveConfig {
  readonly metrics: Registry;
  /** The deps new requests get now. */
  current(): AppDeps;
  /** The HTTP app: each request runs on the generation current when it arrived. */
  fetch: Fetch;
  /** For a request served elsewhere (an ext_proc stream): its deps, and `done` when it is over. */
  lease(): { deps: AppDeps; done(): void };
  /** Resolves true when the file's config now serves, false when it was refused. */
  reload(trigger: string, text?: string): Promise<boolean>;
  /** No more reloads (shutdown): the watch goes; a SIGHUP is logged and ignored. */
  stop(): void;
  /** stop(), then free every part still held (after the drain) and remove the SIGHUP handler. */
  close(): Promise<void>;
}

export async function startLiveConfig(opts: LiveConfigOptions): Promise<LiveConfig> {
  const { logger } = opts;
  const file = opts.file ? resolve(opts.file) : undefined;
  const metrics = createMetrics({ config: opts.initial.loaded.config });
  declareReloadMetrics(metrics);

  // Every part not freed yet, so shutdown can free them all.
  const live = new Set<Part<unknown>>();
  const part = <T>(key: string, value: T, free: (v: T) => Promise<void> | undefined) => {
    const p = new Part(key, value, (v) => {
      live.delete(p as Part<unknown>);
      return free(v);
    });
    live.add(p as Part<unknown>);
    return p;
  };

  /** New deps for a config; parts with the same key as `prev`'s are reused. */
  async function generation(config: Config, prev?: Generation): Promise<Generation> {
    const made: Part<any>[] = [];
    try {
      const ck = classifiersKey(config);
      // A load that left a pack out (start-up's is lenient) is not reused: the reload tries it again,
      // as leniently while the packs settings are the same (a pack still missing refuses no reload).
      const same = prev?.parts.classifiers.key === ck;
      const classifiers =
        same && hasEvery(prev.parts.classifiers.value, config)
          ? prev.parts.classifiers
          : (made[made.length] = part(ck, await loadNodeClassifiers(config, logger, undefined, prev !== undefined && !same), (c) => c.release?.()));
      const reuseCache = prev?.parts.cache.key === cacheKey(config) ? prev.parts.cache : undefined;
      const reuseUpstream = prev?.parts.upstream.key === upstreamKey(config) ? prev.parts.upstream : undefined;
      const deps = await buildNodeDeps(config, { logger, metrics, classifiers: classifiers.value, cache: reuseCache?.value, upstream: reuseUpstream?.value });
      const cache = reuseCache ?? (made[made.length] = part(cacheKey(config), deps.cache, (c) => c?.close?.()));
      const upstream = reuseUpstream ?? (made[made.length] = part(upstreamKey(config), deps.upstream, (u) => u.close?.()));
      opts.prepare?.(deps);
      const parts = { classifiers: classifiers.hold(), cache: cache.hold(), upstream: upstream.hold() };
      const g: Generation = { deps, fetch: createApp(deps).fetch, parts, inflight: 0, retired: false };
      deps.waitUntil = holdWhile(g);
      return g;
    } catch (err) {
      for (const p of made) await p.freeNow();
      throw err;
    }
  }

  // Work left running after answers (done taps), so close() can wait for it.
  const background = new Set<Promise<unknown>>();
  const enter = (g: Generation) => void g.inflight++;
  const leave = (g: Generation) => {
    if (--g.inflight === 0 && g.retired) void freeGeneration(g);
  };
  // Work a request leaves running after its answer (the done taps' cache store) holds the generation
  // like a request: a reload that replaced the cache frees it after that write. Made out here, not in
  // generation(): a closure there would share its scope with the parts' free functions, and a reused
  // part would then keep the generation that made it reachable.
  const holdWhile = (g: Generation) => (work: Promise<unknown>) => {
    if (g.freed) return;
    enter(g);
    const p = work.then(() => leave(g), () => leave(g));
    background.add(p);
    void p.then(() => background.delete(p));
  };
  const freeGeneration = async (g: Generation) => {
    if (g.freed) return;
    g.freed = true;
    const names = Object.keys(g.parts) as Array<keyof Generation['parts']>;
    const dropped = await Promise.all(names.map((k) => g.parts[k].drop()));
    const freed = names.filter((_, i) => dropped[i]);
    if (g.retired && freed.length) logger.info({ freed }, 'config reload: what the previous config used alone is freed');
    if (g.retired && freed.includes('cache')) showServingCache(metrics, cur.deps.cache);
  };

  let cur = await generation(opts.initial.loaded.config);
  recordPackMetrics(metrics, cur.parts.classifiers.value);
  let lastText = opts.initial.text;
  reloadSucceeded(metrics, false);
  let stopped = false;
  let chain: Promise<unknown> = Promise.resolve();

  const refuse = (trigger: string, err: unknown) => {
    reloadRefused(metrics);
    logger.error({ event: 'config_reload_failed', trigger, file, issues: safeIssues(err) }, 'config reload failed: still serving the previous config');
    return false;
  };

  async function apply(trigger: string, text?: string): Promise<boolean> {
    if (stopped) return false;
    let loaded: LoadedConfig;
    try {
      if (text === undefined || !file) ({ loaded, text } = readConfigFile(file));
      else loaded = loadConfigText(text, file);
      lastText = text;
      opts.adjust(loaded.config);
      // A file that cannot serve is refused: every pod reloads it at about the same time and all would
      // turn unready at once (at start-up it only keeps the new pod out of the Service).
      if (!loaded.config.vllm_endpoints.length) throw new ConfigError('no endpoints', ['vllm_endpoints: empty: nothing to forward to (every pod would turn unready at once)']);
    } catch (err) {
      return refuse(trigger, err);
    }
    const config = loaded.config;
    const old = cur.deps.config;
    const changed = NEEDS_RESTART.filter(([, get]) => JSON.stringify(get(withObservability(old))) !== JSON.stringify(get(withObservability(config)))).map(([k]) => k);
    const restart = changed.filter((k) => !opts.cliKeys?.includes(k));
    const fromCli = changed.filter((k) => opts.cliKeys?.includes(k));
    // metrics.enabled is read per app, so the section is held at the running values explicitly, but
    // for what a reload applies (reload-observability.ts).
    const level = pinObservability(old, config);
    let next: Generation;
    try {
      next = await generation(config, cur);
    } catch (err) {
      return refuse(trigger, err);
    }
    if (stopped) {
      await freeGeneration(next);
      return false;
    }
    const prev = cur;
    cur = next;
    applyObservability(logger, metrics, old, config, level);
    opts.applied?.(config);
    // The pack gauges describe the packs serving new requests (recorded at the switch, not at the
    // load: a reload given up after loading must not show its packs).
    if (next.parts.classifiers !== prev.parts.classifiers) recordPackMetrics(metrics, next.parts.classifiers.value);
    if (next.parts.cache !== prev.parts.cache) showServingCache(metrics, next.deps.cache);
    // Requests still running on the previous config keep their model names as labels too.
    const known = new Set([...knownModels(config), ...knownModels(prev.deps.config)]);
    for (const label of MODEL_LABELS) metrics.restrictLabel(label, known);
    prev.retired = true;
    if (prev.inflight === 0) void freeGeneration(prev);
    reloadSucceeded(metrics, true);
    for (const w of loaded.warnings) logger.warn({ warning: w }, 'config warning');
    if (restart.length) logger.warn({ keys: restart }, 'config reload: these settings need a restart and keep their running values');
    if (fromCli.length) logger.warn({ keys: fromCli }, "config reload: the command line sets these settings: the file's values are not used (a restart keeps the flags')");
    const kept = Object.entries(next.parts).filter(([k, p]) => p === prev.parts[k as keyof Generation['parts']]).map(([k]) => k);
    logger.info({ event: 'config_reloaded', trigger, file, reused: kept, in_flight_on_previous: prev.inflight }, 'config reloaded');
    return true;
  }
  // One at a time: a reload asked for while another runs waits for it, and all asked for meanwhile
  // are one, with the last one's trigger and text (the newest file wins; each would replace the one
  // before anyway, and a burst must not load packs once per event).
  type Pending = { trigger: string; text?: string; run?: Promise<boolean> };
  let pending: Pending | undefined;
  const reload = (trigger: string, text?: string): Promise<boolean> => {
    if (pending) {
      pending.trigger = trigger;
      pending.text = text;
      return pending.run!;
    }
    const next: Pending = { trigger, text };
    pending = next;
    next.run = chain.then(() => {
      pending = undefined;
      return apply(next.trigger, next.text);
    });
    chain = next.run.catch(() => {});
    return next.run;
  };

  const onHup = () => {
    if (stopped) logger.info({ trigger: 'SIGHUP' }, 'config reload ignored: shutting down');
    else void reload('SIGHUP');
  };
  process.on('SIGHUP', onHup);
  const watcher = file && opts.watch !== false ? watchFolder(file, opts.debounceMs ?? 200, logger, (text) => {
    // Any file of the folder fires (kubelet's ..data swap, editors' temp files): act on a real change only.
    if (stopped || hash(text) === hash(lastText)) return;
    lastText = text;
    void reload('watch', text);
  }) : undefined;
  if (watcher) logger.info({ folder: dirname(file!) }, 'watching the config file for changes');

  // The SIGHUP handler stays through the drain: without one, Node's default for SIGHUP ends the
  // process at once, cutting the requests the drain waits for. close() removes it.
  const stop = () => {
    stopped = true;
    watcher?.close();
  };
  return {
    metrics,
    current: () => cur.deps,
    fetch(req, env) {
      const g = cur;
      enter(g);
      // Done when BOTH the handler has settled and the response is closed. 'close' alone (written,
      // or the client left) can come while the handler still classifies or waits on the upstream;
      // the settled handler alone is only the head of a streamed answer.
      const res = (env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      let open = res ? 2 : 1;
      const settle = () => void (--open === 0 && leave(g));
      res?.once('close', settle);
      let out;
      try {
        out = g.fetch(req, env);
      } catch (err) {
        settle();
        throw err;
      }
      void Promise.resolve(out).then(settle, settle);
      return out;
    },
    lease() {
      const g = cur;
      enter(g);
      let done = false;
      return {
        deps: g.deps,
        done: () => {
          if (done) return;
          done = true;
          leave(g);
        },
      };
    },
    reload,
    stop,
    async close() {
      stop();
      await chain;
      process.off('SIGHUP', onHup);
      // Cache writes of answers that ended during the drain, for a little while: they need the cache.
      const settled = Promise.allSettled([...background]);
      await Promise.race([settled, new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
      // After the drain: every part goes, whoever still holds it.
      await Promise.all([...live].map((p) => p.freeNow()));
    },
  };
}

// What a refused reload logs: src/config/safe-errors.ts (kept exported here for its callers).
export { safeIssues };
