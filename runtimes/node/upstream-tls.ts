// vllm_endpoints[].tls for the Node upstream client: each https endpoint that trusts its own CA (a
// PEM file, read once here, relative to the working directory as packs.dir is) or checks nothing.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../src/config/index.ts';
import type { Config } from '../../src/config/schema.ts';
import type { EndpointTls } from './upstream-sockets.ts';

/** By the endpoint's host:port as the pool writes it ("[::1]:8443"). */
export function endpointTls(config: Config, baseDir = process.cwd()): Map<string, EndpointTls> {
  const out = new Map<string, EndpointTls>();
  config.vllm_endpoints.forEach((e, i) => {
    if (!e.tls || e.scheme !== 'https') return;
    let ca: string | undefined;
    if (e.tls.ca_file) {
      try {
        ca = readFileSync(resolve(baseDir, e.tls.ca_file), 'utf8');
      } catch (err) {
        throw new ConfigError(`vllm_endpoints[${i}].tls.ca_file: cannot read ${e.tls.ca_file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, []);
      }
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`vllm_endpoints[${i}].tls.ca_file: ${e.tls.ca_file} holds no PEM certificate`, []);
    }
    const host = e.address.includes(':') ? `[${e.address}]` : e.address;
    out.set(`${host}:${e.port}`, { ca, rejectUnauthorized: !e.tls.insecure_skip_verify });
  });
  return out;
}
