// `npm run dev:worker [-- --port N ...]`: the Worker in local workerd (wrangler dev) with the default
// packs as static assets, in front of the bundled mock Production Stack router on a real socket.
// Arguments go to `wrangler dev` unchanged (--port, --ip, --inspector-port, ...).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { startMockServer } from '../node/mock-server.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);

async function main(): Promise<void> {
  const mock = await startMockServer({ port: Number(process.env.MOCK_PORT ?? 0) });
  process.stdout.write(`mock Production Stack router ${mock.url} (models: qwen3, deepseek-v3, gpt-oss-20b, Model-A, Model-B)\n`);
  const wrangler = resolve(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  const child = spawn(
    process.execPath,
    [wrangler, 'dev', '-c', 'runtimes/worker/wrangler.jsonc', '--var', `SEMROUTE_UPSTREAM:${mock.url}`, ...(args.includes('--ip') ? [] : ['--ip', '127.0.0.1']), ...args],
    {
      cwd: root,
      stdio: 'inherit',
      // Offline-friendly: no Request.cf fetch from workers.cloudflare.com, no telemetry.
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
    },
  );
  const stop = (sig: NodeJS.Signals) => {
    child.kill(sig);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  child.once('exit', (code) => {
    void mock.close().then(() => process.exit(code ?? 0));
  });
}

main().catch((err) => {
  process.stderr.write(`semroute dev:worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
