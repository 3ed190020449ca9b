// The settings a reload cannot apply (the listeners; ext_proc's message limit) are named in one
// "need a restart" line, and the running values stay. A listener the command line sets (--port,
// --host, --extproc-port: k8s's ext_proc overlay passes --extproc-port 50051) was named there too,
// though its file value is not used after a restart either (the flag wins at every start): an
// operator who changed extproc.port in the ConfigMap restarted the pods and still got 50051. Such
// keys now get a line of their own saying the command line sets them. And an ext_proc section added
// with its defaults named its listener keys as changed (absent compared with the default): values are
// compared now, as for observability. A real process, SIGHUP.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture, START_BUDGET_MS, startGatewayProcess } from './helpers/gateway-process.ts';

const fx = processFixture();

describe('restart-only settings on a config reload', () => {
  it('names the file keys that need a restart, apart from those the command line sets; the old listeners serve on', async () => {
    const { file, base } = fx.configDir('semroute-restart-keys-');
    writeFileSync(file, base);
    // The harness passes --port 0 and --host 127.0.0.1; ext_proc comes from --extproc-port.
    const gw = await startGatewayProcess(file, ['--no-config-watch', '--extproc-port', '0'], fx.procs);
    // A section added with its defaults changes no listener (undefined was compared with the default).
    writeFileSync(file, base + 'extproc: { rewrite_path: false }\n');
    gw.proc.kill('SIGHUP');
    await gw.waitFor(/"config reloaded"/);
    expect(gw.out()).not.toMatch(/need a restart|the command line sets/);
    writeFileSync(
      file,
      base +
        'server: { host: 127.0.0.2, port: 18801 }\n' +
        'extproc: { enabled: true, port: 15051, max_message_bytes: 1048576 }\n' +
        'observability: { metrics: { port: 19190 } }\n',
    );
    gw.proc.kill('SIGHUP');
    const restart = JSON.parse(await gw.waitFor(/\{[^\n]*need a restart[^\n]*/)) as { keys: string[] };
    expect(restart.keys.sort()).toEqual(['extproc.max_message_bytes', 'observability.metrics.port']);
    const cli = JSON.parse(await gw.waitFor(/\{[^\n]*the command line sets[^\n]*/)) as { keys: string[] };
    expect(cli.keys.sort()).toEqual(['extproc.enabled', 'extproc.port', 'server.host', 'server.port']);
    await gw.waitFor(/"config reloaded"[\s\S]*"config reloaded"/);
    expect((await fetch(`${gw.base}/health`)).status).toBe(200);
  }, START_BUDGET_MS + 20_000);
});
