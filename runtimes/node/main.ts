// semroute on Node: `node dist/semroute.mjs --config FILE --port N` (or `npm start -- ...`).
// Thin entry: the command line first (usage errors, --help, --version answered at once), then start.ts reads
// the config and checks its ports, and serve-gateway.ts serves (config-reload.ts swaps the deps on
// SIGHUP or a change of the config file; optional ext_proc and metrics ports). Both are dynamic
// imports: loading the server (onnxruntime, Hono, the pipeline) took ~1.3 s of CPU under tsx, and a
// mistyped flag or --help paid it before the answer.
import { parseArgs } from 'node:util';
import { ConfigError } from '../../src/config/config-error.ts';
import { safeConfigErrorText } from '../../src/config/safe-errors.ts';
import { ProviderUnavailableError } from '../../src/classify/pack-error.ts';
import { holdEarlySignals } from './early-signals.ts';
import { VERSION } from './version.ts';

const HELP = `semroute: semantic router for OpenAI-compatible traffic in front of the vLLM Production Stack

Usage: semroute [--config FILE] [--port N] [options]

  --config FILE         config.yaml (vLLM Semantic Router classic shape + semroute keys);
                        default: the bundled config/config.yaml
  --port N              HTTP port for /v1/*, /api/v1/classify/*, /health, /metrics (default server.port, 8801)
  --host ADDR           listen address of every port: HTTP, ext_proc, metrics (default server.host,
                        0.0.0.0; ext_proc alone: extproc.host)
  --models-dir DIR      folder holding the model packs (default packs.dir, relative to the working directory)
  --device D            auto | cpu | cuda (default device)
  --extproc-port N      also serve Envoy ext_proc gRPC on this port (reference: 50051)
  --metrics-port N      also serve /metrics on its own port (reference: 9190)
  --no-config-watch     do not watch the --config file for changes (SIGHUP still reloads it)
  --check               validate the config, print warnings, and exit
  --version             print the version and exit
  -h, --help            this text

Config reload: SIGHUP, or a change of the --config file (its folder is watched, so a Kubernetes
ConfigMap update is seen), applies the new config to new requests without a restart; an invalid file
is logged and the running config stays. The listeners (server.host/port, extproc.enabled/host/port,
observability.metrics.enabled/port) and a few other settings need a restart: a reload that changes one
logs "these settings need a restart" with their keys and runs on without it (README, Config reload).
`;

const int = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--${name}: expected a port number, got "${v}"`, []);
  return n;
};

export async function main(argv = process.argv.slice(2)): Promise<void> {
  // Held from the first moment: reading the config, tracing and the packs take a while (early-signals.ts).
  const early = holdEarlySignals();
  const { values } = parseCli(argv);
  if (values.help) {
    early.releaseStop();
    early.releaseHup();
    // `--help | head -3`: a reader that went away is not an error worth a stack trace.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
    process.stdout.write(HELP);
    return;
  }
  if (values.version) {
    early.releaseStop();
    early.releaseHup();
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  // The command line's own values, before the config is read or anything else loads.
  if (values.device && !['auto', 'cpu', 'cuda'].includes(values.device)) throw new ConfigError(`--device: expected auto, cpu or cuda, got "${values.device}"`, []);
  const ports = { port: int('port', values.port), extproc: int('extproc-port', values['extproc-port']), metrics: int('metrics-port', values['metrics-port']) };
  const { start } = await import('./start.ts');
  await start(values, ports, early);
}

const CLI_OPTIONS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'models-dir': { type: 'string' },
  device: { type: 'string' },
  'extproc-port': { type: 'string' },
  'metrics-port': { type: 'string' },
  'no-config-watch': { type: 'boolean' },
  check: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export type CliValues = ReturnType<typeof parseCli>['values'];

/** The command line; an unknown option or a missing value is a usage error, not a stack trace. */
export function parseCli(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: CLI_OPTIONS });
  } catch (err) {
    throw new ConfigError(`${err instanceof Error ? err.message.split('\n')[0] : String(err)} (see --help)`, []);
  }
}

const invokedDirectly = process.argv[1] && /(?:main\.ts|semroute\.mjs)$/.test(process.argv[1]);
if (invokedDirectly) {
  main().catch((err) => {
    // Config errors are the user's to fix: print them plainly, without a stack trace.
    // A config's own text is left out (safe-errors.ts): it may hold a secret, and stderr is logged.
    if (err instanceof ConfigError) process.stderr.write(`semroute: ${safeConfigErrorText(err)}\n`);
    else if (err instanceof ProviderUnavailableError) process.stderr.write(`semroute: ${err.message}\n`);
    else process.stderr.write(`semroute: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
