// Node side of the workerd suite (runs in the vitest main process, not in workerd):
// - the mock Production Stack router on a real socket, which the Worker reaches with fetch;
// - the Node gateway's answers (onnxruntime-node, same packs, same default config) for every
//   prompt of ../shared/vsr-testdata/domain_classify_cases.json, computed fresh on every run so the
//   parity test never compares against a stale fixture.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { createApp } from '../../src/app.ts';
import { loadDefaultConfig } from '../../src/config/index.ts';
import { buildNodeDeps } from '../../runtimes/node/deps.ts';
import { startMockServer } from '../../runtimes/node/mock-server.ts';
import { startBigUpstream } from './big-upstream.ts';
import { startParity } from './parity-upstream.ts';
import type { Logger } from '../../src/observability/types.ts';

export interface NodeClassification {
  question: string;
  expected: string;
  category: string;
  confidence: number;
  model: string;
  decision: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    mockUrl: string;
    bigUrl: string;
    /** The parity tests' YAML (parity-upstream.ts) and its stalling upstream. */
    parityYaml: string;
    /** The same with the guard flagging and a 3-text scan budget (parityFlagYaml). */
    parityFlagYaml: string;
    /** node-parity-timeouts.test.ts's configs (parityTimeoutYaml): no head (1.5 s), stalled body (idle 1 s). */
    parityHeadYaml: string;
    parityIdleYaml: string;
    stallUrl: string;
    /** Where a test file gets its own Node gateways on those configs (node-gateways.ts; parity-client.ts nodeUrl). */
    nodeGatewaysUrl: string;
    nodeDomain: NodeClassification[];
    nodeDomainMsPerRequest: number;
  }
}

const CASES = fileURLToPath(new URL('../../../shared/vsr-testdata/domain_classify_cases.json', import.meta.url));
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function nodeClassifications(): Promise<{ rows: NodeClassification[]; msPerRequest: number }> {
  if (!existsSync(CASES)) return { rows: [], msPerRequest: 0 };
  const cases = JSON.parse(readFileSync(CASES, 'utf8')) as Array<{ category: string; question: string }>;
  const { config } = loadDefaultConfig();
  const deps = await buildNodeDeps(config, { logger: quiet, noCache: true });
  const app = createApp(deps);
  const ask = async (text: string) => {
    const res = await app.fetch(new Request('http://node.test/api/v1/classify/intent', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) }));
    if (res.status !== 200) throw new Error(`Node classify answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { classification: { category: string; confidence: number }; recommended_model: string; routing_decision: string };
  };
  await ask('warm-up');
  const rows: NodeClassification[] = [];
  const t0 = performance.now();
  for (const c of cases) {
    const b = await ask(c.question);
    rows.push({ question: c.question, expected: c.category, category: b.classification.category, confidence: b.classification.confidence, model: b.recommended_model, decision: b.routing_decision });
  }
  const msPerRequest = (performance.now() - t0) / cases.length;
  await deps.close();
  return { rows, msPerRequest };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockServer();
  project.provide('mockUrl', mock.url);
  const big = await startBigUpstream();
  project.provide('bigUrl', big.url);
  const parity = await startParity();
  project.provide('parityYaml', parity.yaml);
  project.provide('parityFlagYaml', parity.flagYaml);
  project.provide('parityHeadYaml', parity.headYaml);
  project.provide('parityIdleYaml', parity.idleYaml);
  project.provide('stallUrl', parity.stallUrl);
  project.provide('nodeGatewaysUrl', parity.nodeGatewaysUrl);
  const { rows, msPerRequest } = await nodeClassifications();
  project.provide('nodeDomain', rows);
  project.provide('nodeDomainMsPerRequest', msPerRequest);
  return async () => {
    await parity.close();
    await big.close();
    await mock.close();
  };
}
