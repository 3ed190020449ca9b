// The config half of `semroute` start-up, after main.ts checked the command line: read the config,
// apply the command line's overrides, refuse ports that clash, answer --check, then load and run the
// server (serve-gateway.ts, a dynamic import: a refused config or --check loads no server code).
import { resolve } from 'node:path';
import { ConfigError } from '../../src/config/config-error.ts';
import type { Config } from '../../src/config/schema.ts';
import { readConfigFile } from './config-file.ts';
import { createNodeLogger } from './logger.ts';
import type { EarlySignals } from './early-signals.ts';
import type { CliValues } from './main.ts';

/** The port flags, already checked as numbers by main.ts (undefined: not given). */
export interface PortArgs {
  port: number | undefined;
  extproc: number | undefined;
  metrics: number | undefined;
}

export async function start(values: CliValues, ports: PortArgs, early: EarlySignals): Promise<void> {
  const initial = readConfigFile(values.config);
  const { loaded } = initial;
  const { config } = loaded;
  // The command line wins over the file, on every reload too.
  const adjust = (c: Config) => {
    if (values['models-dir']) c.packs.dir = resolve(values['models-dir']);
    if (values.device) c.device = values.device as Config['device'];
  };
  adjust(config);
  const logger = createNodeLogger(config, { base: { runtime: 'node' } });
  for (const w of loaded.warnings) logger.warn({ warning: w }, 'config warning');
  early.onStop((signal) => logger.info({ signal }, 'stopped while starting: nothing was served yet'));
  const port = ports.port ?? config.server.port;
  const host = values.host ?? config.server.host;
  // Every port is checked before the packs load, not after "listening".
  const extPort = ports.extproc ?? (config.extproc?.enabled ? config.extproc.port : undefined);
  // metrics.enabled: false opens no port from the file; an explicit --metrics-port still wins.
  const metricsPort = ports.metrics ?? (config.observability?.metrics.enabled === false ? undefined : config.observability?.metrics.port);
  // Two listeners on one port: refused now, not as a bind error once the packs have loaded.
  const HTTP_KEYS = 'server.port / --port';
  if (metricsPort && metricsPort === port) {
    throw new ConfigError(`observability.metrics.port / --metrics-port: ${port} is also the HTTP port (${HTTP_KEYS}), which serves /metrics itself; leave it unset or pick another port`, []);
  }
  if (extPort && (extPort === port || extPort === metricsPort)) {
    const other = extPort === port ? `HTTP port (${HTTP_KEYS})` : 'metrics port (observability.metrics.port / --metrics-port)';
    throw new ConfigError(`extproc.port / --extproc-port: ${extPort} is also the ${other}`, []);
  }
  if (values.check) {
    const [{ missingPackWarnings, categoryReachWarnings }, { startupWarnings }] = await Promise.all([import('./check-packs.ts'), import('./check-startup.ts')]);
    early.releaseStop();
    early.releaseHup();
    // and what start-up refuses, and categories routing could never select
    const packWarnings = [...missingPackWarnings(config), ...startupWarnings(config), ...categoryReachWarnings(config)];
    for (const w of packWarnings) logger.warn({ warning: w }, 'config warning');
    const warnings = loaded.warnings.length + packWarnings.length;
    process.stdout.write(`config OK${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}\n`);
    return;
  }
  // The file's keys these flags replace, at start-up and after every restart: a reload names them apart.
  const cliKeys = [
    ...(values.host ? ['server.host', 'extproc.host'] : []),
    ...(ports.port !== undefined ? ['server.port'] : []),
    ...(ports.extproc !== undefined ? ['extproc.enabled', 'extproc.port'] : []),
    ...(ports.metrics !== undefined ? ['observability.metrics.port'] : []),
  ];
  const { serveGateway } = await import('./serve-gateway.ts');
  await serveGateway({
    file: values.config,
    initial,
    adjust,
    logger,
    watch: !values['no-config-watch'],
    host,
    port,
    hostArg: values.host,
    extHost: values.host ?? config.extproc?.host ?? '0.0.0.0',
    extPort,
    metricsPort,
    cliKeys,
    early,
  });
}
