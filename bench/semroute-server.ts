// semroute with the full pipeline for the benchmark: the bundled default config and packs, the
// jailbreak guard on, routing on every `MoM` request, upstream = the fast upstream. The semantic
// cache stays off: with it every repeated question would be a hit and skip the upstream.
// SEMROUTE_BENCH_CACHE=1 turns it on (bench/sse-events.ts --cache sends a new question each time, so
// each streamed answer is recorded and stored); SEMROUTE_BENCH_PII_RESTORE=1 gives every model a PII
// policy that masks e-mail addresses and restores them in the answer (--pii: the restore tap rewrites
// every event).
import { createApp } from '../src/app.ts';
import { loadDefaultConfig } from '../src/config/index.ts';
import { buildNodeDeps } from '../runtimes/node/deps.ts';
import { serveFetch } from '../runtimes/node/serve.ts';
import { reportUsage } from './child-ipc.ts';
import { createNodeLogger, lineDestination } from '../runtimes/node/logger.ts';

const upstreamPort = Number(process.argv[2]);
const { config } = loadDefaultConfig();
config.vllm_endpoints = config.vllm_endpoints.map((e) => ({ ...e, address: '127.0.0.1', port: upstreamPort }));
const withCache = process.env.SEMROUTE_BENCH_CACHE === '1';
if (withCache && config.semantic_cache) config.semantic_cache.enabled = true;
if (process.env.SEMROUTE_BENCH_PII_RESTORE === '1') {
  for (const m of Object.values(config.model_config)) m.pii_policy = { ...m.pii_policy, allow_by_default: false, pii_types_allowed: [], action: 'redact', restore: true };
}
// The per-request log line is part of the cost: written as main.ts writes stdout (per-turn buffered, synchronous), to /dev/null.
const logger = createNodeLogger(config, { destination: lineDestination('/dev/null') });
const deps = await buildNodeDeps(config, { logger, noCache: !withCache });
const served = await serveFetch(createApp(deps).fetch, { host: '127.0.0.1', port: 0 });
process.send?.({ ready: served.port, packs: deps.classifiers.info().map((p) => p.name) });
reportUsage();
process.on("SIGINT", () => process.exit(0));
