// README.md followed literally against `npm run dev` (a real process, real sockets, curl as the client):
// every curl of the README aimed at the local gateway runs and succeeds, the quick start's answer has the
// headers the README shows, the example dev prints is the README's, and every endpoint the HTTP surface
// table lists answers (not the gateway's 404 unknown_url, not 405).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { README, documentedEndpoints } from '../unit/helpers/readme.ts';
import { loadDefaultConfig } from '../../src/config/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const sh = promisify(execFile);
let proc: ChildProcess | undefined;
let base = '';
let printed = '';

beforeAll(async () => {
  proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'runtimes/node/dev.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', MOCK_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (printed += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (printed += c));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = /gateway\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(printed);
    if (m && printed.includes('Try it:')) {
      base = m[1]!;
      break;
    }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`dev did not start: ${printed.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 90_000);
afterAll(() => {
  if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
});

/** The shell commands of the README's ```sh blocks, continuation lines joined, comments dropped. */
function shellCommands(): string[] {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) =>
    b
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((l) => l.replace(/\s+#\s.*$/, '').trim())
      .filter(Boolean),
  );
}

/** The README's curls to the local gateway (npm run dev / npm start on 8801), but the one needing a pack the tree lacks. */
const localCurls = (): string[] => shellCommands().filter((c) => c.startsWith('curl ') && c.includes('http://127.0.0.1:8801') && !c.includes('my-bert'));

describe('README followed literally against npm run dev', () => {
  it('dev prints the quick start curl the README shows', () => {
    const quick = localCurls()[0]!;
    const normalise = (s: string) => s.replace(/\\\n\s*/g, '').replace(/\s+/g, ' ').trim();
    expect(normalise(printed)).toContain(normalise(quick.replace('http://127.0.0.1:8801', base)));
  });

  it('every local curl in the README succeeds', async () => {
    const curls = localCurls();
    expect(curls.length).toBeGreaterThanOrEqual(2);
    for (const cmd of curls) {
      // -s keeps curl quiet; -w appends the status so every command's outcome is checked the same way.
      const run = cmd.replaceAll('http://127.0.0.1:8801', base).replace(/^curl /, "curl -w '\\nSTATUS %{http_code}\\n' ");
      const { stdout } = await sh('bash', ['-o', 'pipefail', '-c', run], { cwd: ROOT });
      if (cmd.includes('|')) expect(stdout.trim(), cmd).not.toBe('');
      else expect(/STATUS (\d+)/.exec(stdout)?.[1], cmd).toBe('200');
    }
  }, 60_000);

  it('the quick start answer carries the headers the README shows', async () => {
    const quick = localCurls()[0]!.replace('http://127.0.0.1:8801', base);
    const { stdout } = await sh('bash', ['-c', quick], { cwd: ROOT });
    const head = stdout.split('\r\n\r\n')[0]!.toLowerCase();
    const shown = /The answer names the model that served it[\s\S]*?```\n([\s\S]*?)```/.exec(README)![1]!;
    for (const line of shown.trim().split('\n')) {
      const [name, value] = line.split(/:\s*/);
      // `7c9e...`: an example of a generated value; only its presence is shown.
      if (value!.endsWith('...')) expect(head, name).toMatch(new RegExp(`^${name}: \\S+`, 'm'));
      else expect(head, name).toMatch(new RegExp(`^${name}: ${value}\\r?$`, 'm'));
    }
    const answer = JSON.parse(stdout.split('\r\n\r\n').slice(1).join('\r\n\r\n'));
    expect(answer.model).toBe(/^x-vsr-selected-model: (.*)$/m.exec(shown)![1]);
  });

  it('the quick start OpenAI SDK snippet runs as written and gets a routed answer', async () => {
    const snippet = /From an OpenAI SDK:\s*```ts\n([\s\S]*?)```/.exec(README)?.[1];
    expect(snippet, 'the quick start TypeScript block').toBeDefined();
    // Run as an ES module from the repository (its `openai` package), the variable it ends with printed.
    const last = /const (\w+) = await[^\n]*\n?$/.exec(snippet!.trim())?.[1];
    expect(last, 'the snippet ends by awaiting an answer').toBeDefined();
    const code = `${snippet!.replace('http://127.0.0.1:8801', base)}\nconsole.log(JSON.stringify(${last}));`;
    const { stdout } = await sh(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT });
    const answer = JSON.parse(stdout);
    expect(answer.object).toBe('chat.completion');
    expect(answer.choices[0].message.content).toMatch(/\S/);
    // Routed: the answer is from one of the bundled config's models, not the auto name asked for.
    expect(Object.keys(loadDefaultConfig().config.model_config)).toContain(answer.model);
  }, 60_000);

  it('every endpoint of the HTTP surface table answers', async () => {
    const endpoints = documentedEndpoints().map((e) => e.split(' ') as [string, string]);
    expect(endpoints.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    for (const [method, path] of endpoints) {
      const res = await fetch(base + path, { method, ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }) });
      const body = await res.text();
      if (res.status === 405 || (res.status === 404 && body.includes('unknown_url'))) wrong.push(`${method} ${path}: ${res.status}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
