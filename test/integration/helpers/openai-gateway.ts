// The OpenAI surface's usual set-up: a gateway on the mock Production Stack router (startGateway,
// default config) and the official `openai` SDK pointed at it, with no retries so that each test
// sees the gateway's own first answer.
import OpenAI from 'openai';
import { startGateway, type Gateway } from '../gateway-harness.ts';

export async function startOpenAiGateway(): Promise<{ gw: Gateway; client: OpenAI }> {
  const gw = await startGateway();
  return { gw, client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'test-key', maxRetries: 0 }) };
}
