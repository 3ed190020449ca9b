// server.cors on the Worker: the policy is the shared app's (src/api/cors.ts), so a Worker with the key
// answers a chat preflight itself (204; the mock upstream, which answers preflights 200 "OK" as vLLM's
// CORSMiddleware, never sees it) and its JSON and SSE answers carry Allow-Origin for a listed origin
// only. The default config (SELF) keeps no policy: the preflight reaches the mock.
import { SELF, env, createExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import worker, { type WorkerEnv } from '../../runtimes/worker/index.ts';
import { DEFAULT_CONFIG_YAML } from '../../src/config/default-config.ts';

const APP = 'https://app.example';
const doc = parseYaml(DEFAULT_CONFIG_YAML) as Record<string, any>;
doc.prompt_guard.enabled = false;
doc.server.cors = { allow_origins: [APP] };
const withCors = { ...(env as unknown as WorkerEnv), SEMROUTE_CONFIG: stringifyYaml(doc) };

const send = (path: string, init: RequestInit) => worker.fetch(new Request(`https://semroute.test${path}`, init), withCors, createExecutionContext());
const preflight = { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } };
const chat = (origin: string, stream = false): RequestInit => ({
  method: 'POST',
  headers: { origin, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'hi' }], stream }),
});

describe('server.cors on the Worker', () => {
  it('answers the chat preflight itself: 204 with the policy, not the engine\'s 200', async () => {
    const res = await send('/v1/chat/completions', preflight);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(await res.text()).toBe('');
  });

  it('JSON and SSE answers carry Allow-Origin and Expose-Headers for the listed origin, none for another', async () => {
    for (const stream of [false, true]) {
      const res = await send('/v1/chat/completions', chat(APP, stream));
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
      expect(res.headers.get('vary')).toContain('Origin');
      expect(await res.text()).toContain(stream ? 'data: [DONE]' : 'chat.completion');
      const other = await send('/v1/chat/completions', chat('https://evil.example', stream));
      expect(other.status).toBe(200);
      expect([...other.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
      await other.text();
    }
  });

  it('without server.cors (the default) the preflight goes on to the engine', async () => {
    const res = await SELF.fetch('https://semroute.test/v1/chat/completions', preflight);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.text()).toBe('OK');
  });
});
