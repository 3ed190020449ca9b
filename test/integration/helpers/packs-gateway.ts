// The usual gateway of the guard and tracing tests: the real packs (the jailbreak, PII and category
// models decide what the test asserts), testConfig(overrides) and the harness's mock as the one
// endpoint, production-stack. startGateway for anything else (another endpoint, no packs).
import { realClassifiers, startGateway, testConfig, type Gateway } from '../gateway-harness.ts';

export async function startPacksGateway(overrides: Record<string, unknown>): Promise<Gateway> {
  const classifiers = await realClassifiers();
  return startGateway({ classifiers, config: (port) => testConfig(overrides, [{ name: 'production-stack', address: '127.0.0.1', port }]) });
}
