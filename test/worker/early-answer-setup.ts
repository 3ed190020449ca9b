// Node side (a globalSetup of vitest.workers.config.mts): an upstream that answers before it has read
// the request body, as a proxy in front of an engine does when its Content-Length is over the proxy's
// limit (nginx client_max_body_size: 413 from the head alone), and a Node gateway in front of it on the
// same YAML the Worker side runs, so both runtimes get the same request.
// The raw server reads the request head, writes a 413, then, by the request's x-early-close header:
//   reset   closes the socket with the body unread (the kernel sends RST: the hard case)
//   fin     shuts its side (FIN) and reads nothing more (the body stays unread until the client stops)
//   linger  shuts its side and reads the rest away (nginx's lingering close)
// GET /arrivals/<x-early-id> on it: how many requests with that id reached it.
import net from 'node:net';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { TestProject } from 'vitest/node';
import { createApp } from '../../src/app.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';
import { loadConfigText } from '../../src/config/index.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { serveFetch } from '../../runtimes/node/serve.ts';
import type { Logger } from '../../src/observability/types.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A YAML whose model `early` is served by the early-answering upstream only (16 MiB body limit). */
    earlyYaml: string;
    /** The Node gateway on earlyYaml, and the upstream's own URL. */
    nodeEarlyUrl: string;
    earlyUrl: string;
  }
}

/** nginx's answer to a body over client_max_body_size. */
export const EARLY_413_BODY = '<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n</body>\r\n</html>\r\n';
const ANSWER = `HTTP/1.1 413 Request Entity Too Large\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: ${EARLY_413_BODY.length}\r\nConnection: close\r\n\r\n${EARLY_413_BODY}`;

function earlyServer(): net.Server & { destroyAll(): void } {
  const arrivals = new Map<string, number>();
  const open = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      sock.pause();
      const arrival = /^GET \/arrivals\/(\S+)/.exec(head);
      if (arrival) return void sock.end(`HTTP/1.1 200 OK\r\nContent-Length: ${String(arrivals.get(arrival[1]!) ?? 0).length}\r\nConnection: close\r\n\r\n${arrivals.get(arrival[1]!) ?? 0}`);
      const id = /\r\nx-early-id: *([^\r]*)/i.exec(head)?.[1];
      if (id) arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
      const mode = /\r\nx-early-close: *(\w+)/i.exec(head)?.[1] ?? 'reset';
      sock.write(ANSWER, () => {
        // reset with a small body (all of it sent by now): RST 50 ms after the answer, the body still unread. At
        // once, the RST could reach the client before it read the 413 already on the wire (the Worker lost that
        // race once in a clean-clone CI run: 502 upstream_connection_closed), a race no client wins for sure.
        // A large body gets the RST at once, while it is still being written: the case the Worker's hold is for.
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (mode === 'reset') return void (length > 65_536 ? sock.destroy() : setTimeout(() => sock.destroy(), 50));
        sock.end();
        if (mode === 'linger') sock.resume();
        // fin: the socket stays half open, unread, until the client gives up (or 30 s pass).
        else setTimeout(() => sock.destroy(), 30_000).unref();
      });
    };
    sock.on('data', onData);
  });
  server.on('close', () => open.forEach((s) => s.destroy()));
  return Object.assign(server, { destroyAll: () => open.forEach((s) => s.destroy()) });
}

export function earlyYaml(port: number): string {
  const doc = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, any>;
  doc.vllm_endpoints = [{ name: 'early-proxy', address: '127.0.0.1', port, weight: 1 }];
  doc.model_config = { early: { reasoning_family: 'qwen3', preferred_endpoints: ['early-proxy'], pii_policy: { allow_by_default: true } } };
  doc.default_model = 'early';
  doc.upstream = { ...doc.upstream, timeout_ms: 10_000, idle_timeout_ms: 10_000 };
  doc.server = { ...doc.server, max_body_bytes: 16 * 1024 * 1024 };
  doc.semantic_cache = { ...doc.semantic_cache, enabled: false };
  return stringifyYaml(doc);
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = earlyServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const yaml = earlyYaml(port);
  const { config } = loadConfigText(yaml, 'early');
  const deps = await buildNodeDeps(config, { logger: quiet, noCache: true });
  const served = await serveFetch(createApp(deps).fetch);
  project.provide('earlyYaml', yaml);
  project.provide('nodeEarlyUrl', served.url);
  project.provide('earlyUrl', `http://127.0.0.1:${port}`);
  return async () => {
    await served.close();
    await deps.close();
    server.destroyAll();
    await new Promise((r) => server.close(r));
  };
}
