// Endpoint choice: preferred_endpoints, weights (smooth weighted round-robin), passive health.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.ts';
import { EndpointPool } from '../../src/upstream/pool.ts';
import { forwardHeaders } from '../../src/upstream/headers.ts';
import { upstreamError } from '../../src/upstream/errors.ts';

function pool(now = { t: 0 }) {
  const { config } = validateConfig({
    default_model: 'a',
    vllm_endpoints: [
      { name: 'e1', address: 'vllm-router-service.ns.svc.cluster.local', port: 80, weight: 3 },
      { name: 'e2', address: '10.0.0.2', port: 8000, weight: 1 },
      { name: 'e3', address: '::1', port: 8000, weight: 1 },
    ],
    model_config: { a: { preferred_endpoints: ['e1', 'e2'] }, b: { preferred_endpoints: ['e3'] } },
  });
  return new EndpointPool(config, { now: () => now.t, wallMs: () => now.t });
}

describe('EndpointPool', () => {
  it('uses preferred endpoints, else all; DNS names and IPv6 become URLs', () => {
    const p = pool();
    expect(p.candidates('b').map((e) => e.baseUrl)).toEqual(['http://[::1]:8000']);
    expect(new Set(p.candidates('a').map((e) => e.name))).toEqual(new Set(['e1', 'e2']));
    expect(p.candidates('unlisted')).toHaveLength(3);
    expect(p.candidates('a').find((e) => e.name === 'e1')!.baseUrl).toBe('http://vllm-router-service.ns.svc.cluster.local:80');
  });

  it('spreads first picks by weight (3:1)', () => {
    const p = pool();
    const firsts = Array.from({ length: 400 }, () => p.candidates('a')[0].name);
    expect(firsts.filter((n) => n === 'e1').length).toBe(300);
    expect(firsts.filter((n) => n === 'e2').length).toBe(100);
  });

  it('models without preferred_endpoints share one rotation (a pool entry per made-up name leaked and always picked e1)', () => {
    // Client-chosen names (explicit models passed through, passed-through routes): before, each new
    // name got its own rotation, kept forever, starting at the heaviest endpoint.
    const p = pool();
    const firsts = Array.from({ length: 500 }, (_, i) => p.candidates(`made-up-${i}`)[0].name);
    expect(firsts.filter((n) => n === 'e1').length).toBe(300);
    expect(firsts.filter((n) => n === 'e2').length).toBe(100);
    expect(firsts.filter((n) => n === 'e3').length).toBe(100);
    // Names inherited from Object.prototype are no models either.
    expect(p.candidates('constructor')).toHaveLength(3);
    expect(p.candidates('__proto__')).toHaveLength(3);
  });

  it('an endpoint marked down is tried last until down_ms passes', () => {
    const now = { t: 0 };
    const p = pool(now);
    const e1 = p.candidates('a').find((e) => e.name === 'e1')!;
    p.markDown(e1);
    for (let i = 0; i < 5; i++) expect(p.candidates('a').map((e) => e.name)).toEqual(['e2', 'e1']);
    now.t = 6000;
    expect(Array.from({ length: 4 }, () => p.candidates('a')[0].name)).toContain('e1');
  });
});

describe('headers and upstream errors', () => {
  it('drops hop-by-hop headers and keeps end-to-end ones', () => {
    const out = forwardHeaders(
      { connection: 'close, x-private', 'x-private': '1', 'transfer-encoding': 'chunked', host: 'gw', 'content-length': '5', authorization: 'Bearer k', 'x-user-id': 'u1', traceparent: 't' },
      { 'x-request-id': 'r1' },
    );
    expect(out).toEqual({ authorization: 'Bearer k', 'x-user-id': 'u1', traceparent: 't', 'content-type': 'application/json', 'x-request-id': 'r1' });
  });

  it('turns any upstream error body into the OpenAI shape', () => {
    expect(JSON.parse(upstreamError(404, '{"error":"Model x not found"}')).error).toMatchObject({ message: 'Model x not found', type: 'not_found_error', code: 404 });
    expect(JSON.parse(upstreamError(500, '<html>oops</html>')).error).toMatchObject({ message: 'The upstream answered with HTTP 500.', code: 500 });
    expect(JSON.parse(upstreamError(400, '{"error":{"message":"bad","type":"BadRequestError","code":400}}')).error).toMatchObject({ message: 'bad', type: 'BadRequestError' });
    expect(JSON.parse(upstreamError(422, '{"detail":"field required"}')).error.message).toBe('field required');
  });
});

describe('preferred_endpoints order', () => {
  it('breaks ties between equal weights: the first named is picked first and tried first after a failure', () => {
    const now = { t: 0 };
    const { config } = validateConfig({
      default_model: 'm',
      vllm_endpoints: [
        { name: 'x', address: '10.0.0.1', port: 8000 },
        { name: 'y', address: '10.0.0.2', port: 8000 },
        { name: 'z', address: '10.0.0.3', port: 8000 },
      ],
      model_config: { m: { preferred_endpoints: ['z', 'y', 'x'] } },
    });
    const p = new EndpointPool(config, { now: () => now.t, wallMs: () => now.t });
    // Before: the vllm_endpoints order (x, y, z) decided, whatever the model's list said.
    expect(p.candidates('m').map((e) => e.name)).toEqual(['z', 'y', 'x']);
    expect(p.candidates('m')[0].name).toBe('y');
    expect(p.candidates('m')[0].name).toBe('x');
    p.markDown(p.candidates('m').find((e) => e.name === 'z')!);
    // z down: the next pick among y and x, then the rest in the model's order, the down one last.
    expect(p.candidates('m').map((e) => e.name)).toEqual(['y', 'x', 'z']);
  });
});
