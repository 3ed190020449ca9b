// Node side (started by parity-upstream.ts in the global setup): Node gateways on real sockets, a set
// per test file. The Worker's app, with its semantic cache, endpoint rotation and health, metrics, is
// new in each file (fresh-modules-setup.ts); one Node gateway shared by all files kept its own across
// them, so a file's answers on Node depended on which files ran before (a question another file had
// asked was a hit on Node and a miss on the Worker; a rotation another file had moved on picked
// another endpoint). Each file now asks this server for its own (parity-client.ts nodeUrl) and gives
// them back when it ends. The packs are loaded once and shared: they hold no request state.
//   POST   /<file>/<config>  the URL of that file's gateway on that config (started at the first ask)
//   DELETE /<file>           closes the file's gateways
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Classifiers } from '../../src/classify/types.ts';
import { createApp } from '../../src/app.ts';
import { loadConfigText } from '../../src/config/index.ts';
import { buildNodeDeps, loadNodeClassifiers } from '../../runtimes/node/deps.ts';
import { createNodeLogger } from '../../runtimes/node/logger.ts';
import { serveFetch } from '../../runtimes/node/serve.ts';

/** The configs a file may ask a gateway for (parity-upstream.ts's YAMLs), by the name parity-client.ts uses. */
export type NodeConfigs = Record<'parity' | 'flag' | 'head' | 'idle', string>;

interface Gateway {
  url: string;
  close(): Promise<void>;
}

/** `logs` gets every gateway's log lines (JSON objects), as the stall upstream's /node-logs serves them. */
export async function startNodeGateways(yamls: NodeConfigs, logs: unknown[]): Promise<{ url: string; close(): Promise<void> }> {
  let classifiers: Promise<Classifiers> | undefined;
  const start = async (yaml: string): Promise<Gateway> => {
    const { config } = loadConfigText(yaml, 'parity');
    const logger = createNodeLogger(config, { base: { runtime: 'node' }, destination: { write: (line: string) => void logs.push(JSON.parse(line)) } });
    classifiers ??= loadNodeClassifiers(config, logger);
    const deps = await buildNodeDeps(config, { logger, classifiers: await classifiers });
    const served = await serveFetch(createApp(deps).fetch);
    return { url: served.url, close: async () => { await served.close(); await deps.close(); } };
  };
  const files = new Map<string, Map<string, Promise<Gateway>>>();
  const release = async (file: string) => {
    const mine = files.get(file);
    files.delete(file);
    await Promise.all([...(mine?.values() ?? [])].map(async (g) => (await g).close()));
  };
  const server = http.createServer((req, res) => {
    const [, file, name] = (req.url ?? '').split('/');
    const done = (p: Promise<string>) =>
      p.then(
        (body) => res.end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    if (req.method === 'DELETE' && file) return void done(release(file).then(() => ''));
    const yaml = yamls[name as keyof NodeConfigs];
    if (req.method !== 'POST' || !file || yaml === undefined) return void res.writeHead(404).end();
    let mine = files.get(file);
    if (!mine) files.set(file, (mine = new Map()));
    let gateway = mine.get(name!);
    if (!gateway) mine.set(name!, (gateway = start(yaml)));
    done(gateway.then((g) => g.url));
  });
  // Idle keep-alive sockets stay open, as on the stall upstream (parity-upstream.ts says why).
  server.keepAliveTimeout = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await Promise.all([...files.keys()].map(release));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
