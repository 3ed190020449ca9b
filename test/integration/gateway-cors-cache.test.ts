// server.cors on a semantic-cache hit: the answer comes from the gateway, not the engine, and a browser
// app reads it (and x-vsr-cache-hit, exposed) only from a listed origin, JSON and replayed SSE alike.
// Real gateway with the cache on, the real embedding pack, fetch with Origin headers.
import { describe, expect, it } from 'vitest';
import { packsAvailable } from './gateway-harness.ts';
import { useCacheGateway } from './helpers/cache-gateway.ts';
import { startRecordingUpstream } from './helpers/recording-upstream.ts';
import { until } from './helpers/until.ts';

const APP = 'https://app.example';
const Q = 'What is the boiling point of water at sea level?';

const gw = useCacheGateway(() => startRecordingUpstream(), {}, { server: { cors: { allow_origins: [APP] } } });

const ask = async (origin: string, stream: boolean) => {
  const res = await fetch(`${gw.served.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { origin, authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'qwen3', stream, messages: [{ role: 'user', content: Q }] }),
  });
  return { h: res.headers, text: await res.text() };
};

describe.skipIf(!packsAvailable())('server.cors on a cache hit', () => {
  it('a hit carries Allow-Origin and exposes x-vsr-cache-hit for the listed origin only, JSON and SSE', async () => {
    const first = await ask(APP, false);
    expect(first.h.get('x-vsr-cache-hit')).toBeNull();
    await until(() => gw.deps.cache!.size() > 0, 5000);
    const sent = gw.up.bodies.length;
    for (const stream of [false, true]) {
      const hit = await ask(APP, stream);
      expect(hit.h.get('x-vsr-cache-hit'), `stream ${stream}`).toBe('true');
      expect(hit.h.get('access-control-allow-origin'), `stream ${stream}`).toBe(APP);
      expect(hit.h.get('access-control-expose-headers')!.split(', '), `stream ${stream}`).toEqual(expect.arrayContaining(['x-vsr-cache-hit', 'x-vsr-cache-similarity']));
      expect(hit.h.get('vary'), `stream ${stream}`).toContain('Origin');
      if (stream) expect(hit.text).toContain('data: [DONE]');
      const other = await ask('https://evil.example', stream);
      expect(other.h.get('x-vsr-cache-hit'), `stream ${stream}`).toBe('true');
      expect([...other.h.keys()].filter((k) => k.startsWith('access-control-')), `stream ${stream}`).toEqual([]);
    }
    expect(gw.up.bodies.length).toBe(sent);
  });
});
