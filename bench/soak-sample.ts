// What the soak (bench/soak.ts) samples of the gateway: its /metrics (the process gauges of
// runtimes/node/process-metrics.ts: RSS, heap, external, fds, active libuv resources, event-loop lag;
// the in-flight gauge; series per family) and, from outside, /proc: VmRSS, open fds and the process's
// TCP sockets by state (/proc/PID/fd links matched with /proc/net/tcp{,6} inodes).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface Scrape {
  /** `name{labels}` -> value. */
  series: Map<string, number>;
  /** Family name -> number of series (histograms: _count series only). */
  perFamily: Map<string, number>;
}

export async function scrape(port: number): Promise<Scrape> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const series = new Map<string, number>();
  const perFamily = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const [, name, labels = '', value] = m as unknown as [string, string, string | undefined, string];
    series.set(name + labels, Number(value));
    if (/_(bucket|sum)$/.test(name)) continue;
    const fam = name.replace(/_count$/, '');
    perFamily.set(fam, (perFamily.get(fam) ?? 0) + 1);
  }
  return { series, perFamily };
}

/** Sum of a family's series whose labels match every pair in `where`. */
export function sum(s: Scrape, name: string, where: Record<string, string> = {}): number {
  let t = 0;
  for (const [k, v] of s.series) {
    if (!(k === name || k.startsWith(`${name}{`))) continue;
    if (Object.entries(where).every(([l, x]) => k.includes(`${l}="${x}"`))) t += v;
  }
  return t;
}

const TCP_STATES: Record<string, string> = { '01': 'established', '02': 'syn_sent', '03': 'syn_recv', '04': 'fin_wait1', '05': 'fin_wait2', '06': 'time_wait', '07': 'close', '08': 'close_wait', '09': 'last_ack', '0A': 'listen', '0B': 'closing' };

export interface ProcSample { rssMb: number; fds: number; sockets: Record<string, number> }

export function proc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  const inodes = new Set<string>();
  let fds = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed meanwhile */
    }
  }
  const sockets: Record<string, number> = {};
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9]!)) continue;
      const st = TCP_STATES[f[3]!] ?? f[3]!;
      sockets[st] = (sockets[st] ?? 0) + 1;
    }
  }
  sockets.other = inodes.size - Object.values(sockets).reduce((a, b) => a + b, 0);
  return { rssMb, fds, sockets };
}

export interface Sample {
  t: number;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  fds: number;
  sockets: Record<string, number>;
  resources: Record<string, number>;
  lagP99Ms: number;
  lagMaxMs: number;
  inflight: number;
  cacheEntries: number;
  series: number;
}

export async function sample(port: number, pid: number, t0: number): Promise<{ s: Sample; scrape: Scrape }> {
  const sc = await scrape(port);
  const p = proc(pid);
  const resources: Record<string, number> = {};
  for (const [k, v] of sc.series) {
    const m = /^nodejs_active_resources\{type="([^"]+)"\}$/.exec(k);
    if (m) resources[m[1]!] = v;
  }
  const mb = (n: number) => n / 1048576;
  return {
    scrape: sc,
    s: {
      t: Math.round((Date.now() - t0) / 1000),
      rssMb: p.rssMb,
      heapUsedMb: mb(sum(sc, 'nodejs_heap_size_used_bytes')),
      externalMb: mb(sum(sc, 'nodejs_external_memory_bytes')),
      fds: p.fds,
      sockets: p.sockets,
      resources,
      lagP99Ms: sum(sc, 'nodejs_eventloop_lag_p99_seconds') * 1000,
      lagMaxMs: sum(sc, 'nodejs_eventloop_lag_max_seconds') * 1000,
      inflight: sum(sc, 'llm_inflight_requests'),
      cacheEntries: sum(sc, 'llm_cache_entries'),
      series: [...sc.perFamily.values()].reduce((a, b) => a + b, 0),
    },
  };
}

/** Resident MB by mapping name from /proc/PID/smaps (every mapping counted; anonymous ones as [anon]), largest first. */
export function rssByName(pid: number, minMb = 0.5): string {
  const by = new Map<string, number>();
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = (head[1] || '[anon]').replace(/.*\//, '');
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) by.set(name, (by.get(name) ?? 0) + Number(rss[1]) / 1024);
  }
  return [...by].sort((a, b) => b[1] - a[1]).filter(([, mb]) => mb >= minMb).map(([n, mb]) => `${n} ${mb.toFixed(0)}`).join(', ');
}
