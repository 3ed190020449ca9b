// semroute with the full pipeline for the benchmark: the bundled default config and packs, the
// jailbreak guard on, routing on every `MoM` request, upstream = the fast upstream. The semantic
// cache stays off: with it every repeated question would be a hit and skip the upstream.
import { createApp } from '../src/app.ts';
import { loadDefaultConfig } from '../src/config/index.ts';
import { buildNodeDeps } from '../runtimes/node/deps.ts';
import { serveFetch } from '../runtimes/node/serve.ts';
import { reportUsage } from './child-ipc.ts';
import { createNodeLogger, lineDestination } from '../runtimes/node/logger.ts';

const upstreamPort = Number(process.argv[2]);
const { config } = loadDefaultConfig();
config.vllm_endpoints = config.vllm_endpoints.map((e) => ({ ...e, address: '127.0.0.1', port: upstreamPort }));
// The per-request log line is part of the cost: written as main.ts writes stdout (per-turn buffered, synchronous), to /dev/null.
const logger = createNodeLogger(config, { destination: lineDestination('/dev/null') });
const deps = await buildNodeDeps(config, { logger, noCache: true });
const served = await serveFetch(createApp(deps).fetch, { host: '127.0.0.1', port: 0 });
process.send?.({ ready: served.port, packs: deps.classifiers.info().map((p) => p.name) });
reportUsage();
process.on("SIGINT", () => process.exit(0));
