// k8s/README.md's troubleshooting for IPv6-only and IPv6-first clusters must name every IPv4-only
// setting the manifests ship, or an operator fixes semroute's listeners and is left with an Envoy that
// still listens on 0.0.0.0 and resolves the router Service to A records only (the sidecar shape).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { section, ticks } from './helpers/readme.ts';

const read = (p: string) => readFileSync(new URL(`../../k8s/${p}`, import.meta.url), 'utf8');
const guide = read('README.md');
const bullet = section('Troubleshooting', guide)
  .split(/\n(?=- )/)
  .find((b) => b.includes('IPv6-only'));

interface SocketAddress {
  address: string;
  port_value: number;
  ipv4_compat?: boolean;
}

describe('k8s/README.md: IPv6-only clusters', () => {
  it('the troubleshooting bullet names each IPv4-only listen address and DNS family of the sidecar Envoy', () => {
    expect(bullet).toBeDefined();
    const named = new Set(ticks(bullet!.replace(/\n\s*/g, ' ')));
    const envoy = parse(read('overlays/sidecar/envoy.yaml')) as {
      static_resources: {
        listeners: { name: string; address: { socket_address: SocketAddress } }[];
        clusters: { name: string; dns_lookup_family?: string; load_assignment: { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: SocketAddress } } }[] }[] } }[];
      };
    };
    const missing: string[] = [];
    for (const l of envoy.static_resources.listeners) {
      // A pod's clients reach a listener on its pod IP: 0.0.0.0 has none on an IPv6-only pod.
      if (l.address.socket_address.address === '0.0.0.0' && !named.has('0.0.0.0')) missing.push(`listener ${l.name}: 0.0.0.0`);
    }
    for (const c of envoy.static_resources.clusters) {
      const hosts = c.load_assignment.endpoints.flatMap((e) => e.lb_endpoints.map((x) => x.endpoint.address.socket_address.address));
      // Loopback is there on every pod; a DNS name's family decides whether an IPv6-only cluster resolves it
      // (the next test), and the bullet says which family each such cluster uses.
      const resolved = hosts.filter((h) => !/^(\d+\.){3}\d+$/.test(h) && h !== 'localhost');
      if (resolved.length && !named.has(c.name)) missing.push(`cluster ${c.name}: not named`);
      if (resolved.length && !named.has(`dns_lookup_family: ${c.dns_lookup_family ?? 'AUTO'}`)) missing.push(`cluster ${c.name}: its family ${c.dns_lookup_family} not stated`);
      for (const h of hosts.filter((x) => /^(\d+\.){3}\d+$/.test(x) && !x.startsWith('127.'))) missing.push(`cluster ${c.name}: ${h}`);
    }
    expect(missing).toEqual([]);
  });

  it('the fix it gives for the listener is one Envoy reads, and the router cluster looks up AAAA', () => {
    const named = ticks(bullet!.replace(/\n\s*/g, ' '));
    expect(named).toEqual(expect.arrayContaining(['address: "::"', 'ipv4_compat: true']));
    // Envoy's DnsLookupFamily values that look up IPv6 too (envoy config.cluster.v3.Cluster): V4_ONLY
    // found no address for the router Service on an IPv6-only cluster.
    const envoy = parse(read('overlays/sidecar/envoy.yaml')) as { static_resources: { clusters: { name: string; type?: string; dns_lookup_family?: string }[] } };
    for (const c of envoy.static_resources.clusters.filter((x) => x.type === 'STRICT_DNS' || x.type === 'LOGICAL_DNS')) {
      expect(['AUTO', 'V6_ONLY', 'ALL', 'V4_PREFERRED', undefined], c.name).toContain(c.dns_lookup_family);
    }
    // semroute's own listeners: the base config's server.host is the IPv4-only default the bullet names.
    const base = parse(read('base/config.yaml')) as { server?: { host?: string } };
    expect(base.server?.host ?? '0.0.0.0').toBe('0.0.0.0');
    expect(named).toContain('server.host: 0.0.0.0');
  });
});
