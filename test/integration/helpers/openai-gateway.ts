// The OpenAI surface's usual set-up: a gateway on the mock Production Stack router (startGateway,
// default config) and the official `openai` SDK pointed at it, with no retries so that each test
// sees the gateway's own first answer. useOpenAiGatewayOver is the same in front of an upstream the
// test starts (its only endpoint), for the file's tests.
import { afterAll, beforeAll } from 'vitest';
import OpenAI from 'openai';
import { startGateway, testConfig, type Gateway } from '../gateway-harness.ts';

export async function startOpenAiGateway(): Promise<{ gw: Gateway; client: OpenAI }> {
  const gw = await startGateway();
  return { gw, client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'test-key', maxRetries: 0 }) };
}

/**
 * Before the file's tests: `start` the upstream, a gateway (default config) with it as the only
 * endpoint, and an SDK client with `apiKey`; `ready` gets the three. After them: closed, gateway first.
 */
export function useOpenAiGatewayOver<U extends { port: number; close(): Promise<void> }>(
  start: () => Promise<U>,
  ready: (rig: { up: U; gw: Gateway; client: OpenAI }) => void,
  apiKey = 'k',
): void {
  let up: U | undefined;
  let gw: Gateway | undefined;
  beforeAll(async () => {
    up = await start();
    const port = up.port;
    gw = await startGateway({ config: () => testConfig({}, [{ name: 'production-stack', address: '127.0.0.1', port, weight: 1 }]) });
    ready({ up, gw, client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 }) });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });
}
