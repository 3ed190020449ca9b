// A port semroute cannot listen on is the operator's to fix, as a config error is: one line naming
// the listener, the address and the setting, exit 1, no stack trace. Two listeners on one port is
// refused before the packs load. Before: `semroute: Error: listen EADDRINUSE ... at Server.setupListenHandle`
// (a stack trace naming neither the listener nor the key) after the packs had loaded.
import net from 'node:net';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './gateway-harness.ts';
import { processFixture } from './helpers/gateway-process.ts';

const fx = processFixture();
let busy: net.Server;
let busyPort = 0;
beforeAll(async () => {
  busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  busyPort = (busy.address() as net.AddressInfo).port;
});
afterAll(() => new Promise((r) => busy.close(r)));

function run(config: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'runtimes/node/main.ts'), '--config', config, '--host', '127.0.0.1', ...args], { cwd: REPO });
  fx.procs.push(proc);
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d));
  proc.stderr.on('data', (d: Buffer) => (out += d));
  return new Promise((res) => proc.on('exit', (code) => res({ code, out })));
}

/** The one plain line semroute ends with on stderr; the rest of the output is JSON log lines. */
const lastLine = (out: string) => out.split('\n').filter((l) => l.startsWith('semroute: ')).join('\n');

describe('ports semroute cannot listen on', () => {
  it.each([
    ['HTTP', (p: number) => ['--port', String(p)], /^semroute: HTTP port: cannot listen on 127\.0\.0\.1:\d+: address already in use \(server\.port or --port\)$/],
    ['metrics', (p: number) => ['--port', '0', '--metrics-port', String(p)], /^semroute: metrics port: cannot listen on 127\.0\.0\.1:\d+: address already in use \(observability\.metrics\.port or --metrics-port\)$/],
    ['ext_proc', (p: number) => ['--port', '0', '--extproc-port', String(p)], /^semroute: ext_proc port: cannot listen on 127\.0\.0\.1:\d+: address already in use \(extproc\.port or --extproc-port\)$/],
  ])('%s port in use: one line naming it, exit 1', async (_name, args, line) => {
    const { file, base, dir } = fx.configDir('semroute-listen-');
    try {
      writeFileSync(file, base);
      const { code, out } = await run(file, args(busyPort));
      expect(code).toBe(1);
      expect(lastLine(out)).toMatch(line);
      expect(out).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('an address this host does not have names the host setting', async () => {
    const { file, base, dir } = fx.configDir('semroute-listen-host-');
    try {
      writeFileSync(file, base);
      // TEST-NET-3: never a local address.
      const { code, out } = await run(file, ['--port', '0', '--host', '203.0.113.7']);
      expect(code).toBe(1);
      expect(lastLine(out)).toBe('semroute: HTTP port: cannot listen on 203.0.113.7:0: no such local address (server.host or --host)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the metrics or ext_proc port equal to the HTTP port is refused before the packs load', async () => {
    const { file, base, dir } = fx.configDir('semroute-listen-same-');
    try {
      writeFileSync(file, `${base}server: { port: 18931 }\nobservability: { metrics: { port: 18931 } }\n`);
      const a = await run(file, []);
      expect(a.code).toBe(1);
      expect(lastLine(a.out)).toBe('semroute: observability.metrics.port / --metrics-port: 18931 is also the HTTP port (server.port / --port), which serves /metrics itself; leave it unset or pick another port');
      expect(a.out).not.toMatch(/model pack|semroute listening/);
      const b = await run(file, ['--metrics-port', '0', '--extproc-port', '18931']);
      expect(b.code).toBe(1);
      expect(lastLine(b.out)).toBe('semroute: extproc.port / --extproc-port: 18931 is also the HTTP port (server.port / --port)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
