// README "Running it for real" followed as written, npm itself the launcher (a real npm process, its
// script's shell, then node): `npm run build`, config/config.yaml copied and pointed at the bundled mock,
// `npm start -- --config FILE --port N`. The quick start's curl is answered as the README shows, and a
// SIGTERM to npm (what systemd, pm2 or `docker stop` on `CMD ["npm", "start"]` send to the process they
// started) drains and stops the gateway. Before the start script exec'd node, npm passed the signal to the
// script's `sh -c`, which died and left node running, still listening, its requests never drained.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { README, section } from '../unit/helpers/readme.ts';
import { REPO } from './gateway-harness.ts';
import { START_BUDGET_MS, START_MS } from './helpers/gateway-process.ts';
import { until } from './helpers/until.ts';

const sh = promisify(execFile);
/** The commands of the section's ```sh block, comments dropped. */
const block = /```sh\n([\s\S]*?)```/
  .exec(section('Running it for real'))![1]!
  .split('\n')
  .map((l) => l.replace(/\s+#\s.*$/, '').trim())
  .filter(Boolean);
let mock: MockServer;
let npm: ChildProcess;
let out = '';
let base = '';

/** Whether any process of npm's group (npm, the script's shell, node) is left. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  expect(block).toEqual(['npm ci', 'npm run build', 'cp config/config.yaml my-config.yaml', 'npm start -- --config my-config.yaml --port 8801']);
  // `npm ci` is what installed the tree this runs in.
  await sh('npm', ['run', 'build'], { cwd: REPO });
  mock = await startMockServer();
  // The copy, its endpoint the mock (the "point it at your Production Stack" step).
  const file = join(mkdtempSync(join(tmpdir(), 'readme-npm-start-')), 'my-config.yaml');
  copyFileSync(join(REPO, 'config/config.yaml'), file);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['vllm_endpoints', 0, 'address'], '127.0.0.1');
  doc.setIn(['vllm_endpoints', 0, 'port'], mock.port);
  writeFileSync(file, doc.toString());
  const args = block[3]!.split(' ').slice(1).map((a) => (a === 'my-config.yaml' ? file : a === '8801' ? '0' : a));
  // Its own process group, so that afterAll can reach whatever npm leaves behind.
  npm = spawn('npm', [...args, '--host', '127.0.0.1'], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  npm.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  npm.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  await until(() => npm.exitCode !== null || /"port":\d+[^\n]*semroute listening/.test(out), START_MS).catch(() => {});
  const port = /"port":(\d+)[^\n]*semroute listening/.exec(out)?.[1];
  if (!port) throw new Error(`npm start did not start: ${out.slice(-2000)}`);
  base = `http://127.0.0.1:${port}`;
}, START_BUDGET_MS + 60_000);

afterAll(async () => {
  if (npm?.pid && groupAlive(npm.pid)) process.kill(-npm.pid, 'SIGKILL');
  await mock?.close();
});

describe('README "Running it for real" with npm start', () => {
  it("answers the quick start's curl with the headers the README shows", async () => {
    const quick = /```sh\n(curl -s http:\/\/127\.0\.0\.1:8801\/v1\/chat\/completions[\s\S]*?)```/.exec(README)![1]!.replace(/\\\n\s*/g, '');
    const { stdout } = await sh('bash', ['-c', quick.replace('http://127.0.0.1:8801', base)]);
    const head = stdout.split('\r\n\r\n')[0]!;
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/^x-vsr-selected-category: math\r$/m);
    expect(head).toMatch(/^x-vsr-selected-model: deepseek-v3\r$/m);
  }, 30_000);

  it('a SIGTERM to npm drains and stops the gateway: its port closes, nothing of npm start is left', async () => {
    const pgid = npm.pid!;
    const port = Number(new URL(base).port);
    process.kill(pgid, 'SIGTERM');
    await until(() => !groupAlive(pgid), 20_000).catch(() => {});
    const listening = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true))).on('error', () => r(false));
    });
    expect({ listening, left: groupAlive(pgid) }).toEqual({ listening: false, left: false });
    expect(out).toMatch(/"signal":"SIGTERM"[^\n]*"msg":"draining"/);
    expect(out).toMatch(/"msg":"drained"/);
  }, 30_000);
});
