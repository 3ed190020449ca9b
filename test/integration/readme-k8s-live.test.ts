// k8s/README.md's "Step 3: test the deployment" followed against the config k8s/base ships (a real
// semroute process, curl as the client): the base config as written, but for the one change a cluster
// provides, the router Service (vllm-router-service:80) standing in as the bundled mock, and the packs
// read from the repository's models/ (--models-dir, as the guide's own --check line does) instead of the
// image's /app/models. The guide's curl must answer as the guide says: from the model it names, with the
// x-vsr-* headers it lists, and GET /v1/models must list what it says.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startMockServer, type MockServer } from '../../runtimes/node/mock-server.ts';
import { REPO } from './gateway-harness.ts';
import { START_BUDGET_MS, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.ts';

const sh = promisify(execFile);
const run = sh;
const GUIDE = readFileSync(join(REPO, 'k8s/README.md'), 'utf8');
const step3 = GUIDE.slice(GUIDE.indexOf('## Step 3'), GUIDE.indexOf('\n## ', GUIDE.indexOf('## Step 3') + 1));
const procs: ChildProcess[] = [];
let mock: MockServer;
let gw: GatewayProcess;

beforeAll(async () => {
  mock = await startMockServer();
  const config = parse(readFileSync(join(REPO, 'k8s/base/config.yaml'), 'utf8'));
  expect(config.vllm_endpoints).toEqual([expect.objectContaining({ address: 'vllm-router-service', port: 80 })]);
  config.vllm_endpoints[0] = { ...config.vllm_endpoints[0], address: '127.0.0.1', port: mock.port };
  // Its 9190 may be taken on a shared test machine; the guide's curl goes to the HTTP port.
  delete config.observability.metrics.port;
  const file = join(mkdtempSync(join(tmpdir(), 'readme-k8s-')), 'config.yaml');
  writeFileSync(file, stringify(config));
  gw = await startGatewayProcess(file, ['--models-dir', join(REPO, 'models'), '--no-config-watch'], procs);
}, START_BUDGET_MS);
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await mock?.close();
});

/** Step 2's check (main.ts --check, --models-dir as the guide gives it) on a config: the warnings it logs. */
async function check(config: unknown): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'readme-k8s-check-')), 'config.yaml');
  writeFileSync(file, stringify(config));
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(REPO, 'runtimes/node/main.ts'), '--config', file, '--models-dir', join(REPO, 'models'), '--check'], { cwd: REPO });
  return (stdout + stderr).split('\n').flatMap((l) => (l.startsWith('{') ? [JSON.parse(l).warning as string] : []));
}

describe('k8s/README.md Steps 2 and 3 against k8s/base/config.yaml', () => {
  it('the guide curl answers from the model, with the headers, the guide names', async () => {
    const block = /```bash\n(curl [\s\S]*?)```/.exec(step3)?.[1];
    expect(block, 'the Step 3 curl').toBeDefined();
    expect(block).toContain('http://localhost:8080');
    const { stdout } = await sh('bash', ['-c', block!.replace('http://localhost:8080', gw.base).replace(/^curl /, 'curl -s ')]);
    const [head, ...rest] = stdout.split('\r\n\r\n');
    const claim = /The answer comes from `([^`]+)` with ((?:`x-vsr-[^`]+`[,\s]*(?:and\s*)?)+)/.exec(step3);
    expect(claim, 'the sentence saying what the answer is').not.toBeNull();
    const headers = [...claim![2]!.matchAll(/`(x-vsr-[a-z-]+): ([^`]+)`/g)];
    expect(headers.length).toBeGreaterThanOrEqual(4);
    for (const [, name, value] of headers) expect(head!.toLowerCase(), name).toMatch(new RegExp(`^${name}: ${value}\\r?$`, 'm'));
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(rest.join('\r\n\r\n')).model).toBe(claim![1]);
  });

  it("the guide's --check warns about a model_scores model the endpoint's models leave out", async () => {
    const step2 = GUIDE.slice(GUIDE.indexOf('## Step 2'), GUIDE.indexOf('\n## ', GUIDE.indexOf('## Step 2') + 1));
    const warned = /\(`(model "\.\.\." is chosen by routing, but\s+no vllm_endpoints entry serves it)`\)/.exec(step2)?.[1]?.replace(/\s+/g, ' ');
    expect(warned, 'Step 2 quotes the warning').toBeDefined();
    const config = parse(readFileSync(join(REPO, 'k8s/base/config.yaml'), 'utf8'));
    expect(await check(config)).toEqual([]);
    config.categories[0].model_scores.push({ model: 'llama-3-70b', score: 2, use_reasoning: false });
    expect(await check(config)).toEqual([expect.stringContaining(warned!.replace('...', 'llama-3-70b'))]);
  }, 60_000);

  it('GET /v1/models lists the names the guide says', async () => {
    const said = /`GET \/v1\/models`\s+lists ([^.]*?) and the configured models/.exec(step3);
    expect(said, 'the /v1/models sentence').not.toBeNull();
    const auto = [...said![1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    // Configured: model_config's models, then the ones the endpoints list (the names the stack serves).
    const config = parse(readFileSync(join(REPO, 'k8s/base/config.yaml'), 'utf8'));
    const configured = [...new Set([...Object.keys(config.model_config), ...config.vllm_endpoints.flatMap((e: { models?: string[] }) => e.models ?? [])])];
    const ids = ((await (await fetch(`${gw.base}/v1/models`)).json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    expect(ids).toEqual([...auto, ...configured]);
  });
});
