// vllm_endpoints[].address written as a URL (as the OpenAI SDK's base_url is) or with a path prefix:
// the config error says which keys to write instead, and that a path prefix is not supported.
// Before, 'http://127.0.0.1' also got 'address must not carry a port: set port: //127.0.0.1'. An
// address no URL can carry (an IPv6 zone id, 999.1.1.1) is refused too.
import { describe, expect, it } from 'vitest';
import { loadDefaultConfig, validateConfig } from '../../src/config/index.ts';

function errorFor(address: string): string {
  const base = structuredClone(loadDefaultConfig().config) as unknown as Record<string, unknown>;
  try {
    validateConfig({ ...base, vllm_endpoints: [{ name: 'production-stack', address, port: 8000 }] }, 'test');
  } catch (e) {
    return String((e as Error).message);
  }
  return '';
}

describe('vllm_endpoints[].address', () => {
  it.each([
    ['http://127.0.0.1', 'write address: 127.0.0.1, scheme: http'],
    ['https://vllm-router.ns.svc:8443', 'write address: vllm-router.ns.svc, port: 8443, scheme: https'],
    ['http://router/prefix', 'write address: router, scheme: http; a path prefix (/prefix) is not supported'],
    ['http://[::1]:8000/v1', 'write address: [::1], port: 8000, scheme: http; a path prefix (/v1) is not supported'],
    ['router/prefix', 'a path prefix is not supported'],
  ])('%s: %s', (address, want) => {
    const msg = errorFor(address);
    expect(msg).toContain(want);
    expect(msg).not.toContain('must not carry a port');
  });

  it.each(['127.0.0.1', '::1', '[::1]', 'vllm-router-service.default.svc.cluster.local', 'fd00::5', '[fd00::5]', 'x_y'])('%s loads', (address) => {
    expect(errorFor(address)).toBe('');
  });

  // A URL cannot carry these: before, they loaded and every request answered 502 upstream_error
  // with an 'Invalid URL' warning per request.
  it.each([
    ['fe80::1%eth0', 'an IPv6 zone id'],
    ['999.1.1.1', 'not a host name, IPv4'],
    ['1.2.3.4.5', 'not a host name, IPv4'],
    ['exa%mple', 'cannot be reached'],
  ])('%s is refused: %s', (address, want) => {
    expect(errorFor(address)).toContain(want);
  });


  it('host:port still names the port', () => {
    expect(errorFor('router:8000')).toContain('set port: 8000');
  });
});
