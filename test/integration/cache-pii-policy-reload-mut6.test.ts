// Mutation audit 6 of ee9de01 (a cache hit under a restricting pii_policy): hitPiiVerdict reads an
// image as PII (the detector cannot read it), and no test failed with that check gone. Where it shows:
// a reload that tightens a model's pii_policy keeps the cache (only its own section rebuilds it), so an
// answer stored while the model could see anything is still there. Asked again with its image, a
// cold cache refuses it (400 unscannable_prompt: no guard reads images); the warm one must too, not
// serve the answer stored before the reload. A real process (main.ts), the embedding and PII packs,
// SIGHUP, the openai SDK.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { REPO, packsAvailable } from './gateway-harness.ts';
import { processFixture, START_BUDGET_MS, startGatewayProcess } from './helpers/gateway-process.ts';
import { until } from './helpers/until.ts';

const fx = processFixture();
const IMAGE = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
const messages = [{ role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, IMAGE] }];

describe.skipIf(!packsAvailable())('an image question stored before a reload that restricts the model', () => {
  it('is not served once the policy restricts: refused as on a cold cache', async () => {
    const { dir, file, base } = fx.configDir('semroute-cache-policy-reload-');
    for (const p of ['embedding', 'pii']) cpSync(join(REPO, 'models', p), join(dir, 'packs', p), { recursive: true });
    const yaml = (policy: string) =>
      base.replace(/packs: \{ dir: ([^ ]+) \}/, 'packs: { dir: $1, embedding: embedding, pii: pii }') +
      'prompt_guard: { enabled: false }\nsemantic_cache: { enabled: true }\n' +
      `model_config: { deepseek-v3: { pii_policy: ${policy} } }\n`;
    writeFileSync(file, yaml('{ allow_by_default: true }'));
    const gw = await startGatewayProcess(file, ['--no-config-watch'], fx.procs);
    const sdk = new OpenAI({ baseURL: `${gw.base}/v1`, apiKey: 'k', maxRetries: 0 });
    const ask = async () => {
      const upstream = fx.mock().mock.requests.length;
      const { response } = await sdk.chat.completions.create({ model: 'deepseek-v3', messages } as never).withResponse();
      return { hit: response.headers.get('x-vsr-cache-hit') === 'true', forwarded: fx.mock().mock.requests.length > upstream };
    };
    expect(await ask()).toEqual({ hit: false, forwarded: true });
    await until(async () => (await ask()).hit, 10_000);

    writeFileSync(file, yaml('{ allow_by_default: false, pii_types_allowed: [] }'));
    gw.proc.kill('SIGHUP');
    await gw.waitFor(/"config reloaded"/);
    const upstream = fx.mock().mock.requests.length;
    const err = await sdk.chat.completions.create({ model: 'deepseek-v3', messages } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('unscannable_prompt');
    expect(fx.mock().mock.requests.length).toBe(upstream);
    expect(await (await fetch(`${gw.base}/metrics`)).text()).toMatch(/llm_cache_skipped_total\{reason="pii_policy"\} 1\n/);
  }, START_BUDGET_MS + 30_000);
});
