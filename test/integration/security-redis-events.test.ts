// A malformed event on the shared cache's Redis channel (another version's format, a cut message) is
// ignored with a debug line. The event carries a cached question and answer; the JSON parser's
// message quotes the text it failed on, so the line names the error and never carries its message.
// A real redis-server, a cache pod on it, an event published by another connection.
import { afterAll, describe, expect, inject, it } from 'vitest';
import Redis from 'ioredis';
import type { Logger } from '../../src/observability/types.ts';
import { RedisPods, until } from './helpers/redis-pods.ts';

const EMAIL = 'zq.canary.7170@leakcheck.example';
const debug: Array<Record<string, unknown>> = [];
const logger: Logger = { debug: (o) => void debug.push(o as Record<string, unknown>), info() {}, warn() {}, error() {} };
const pods = new RedisPods();

afterAll(async () => {
  await pods.close();
});

describe('a malformed shared-cache event', () => {
  // Was a leak at debug level: 'ignored malformed cache event' logged the SyntaxError's message,
  // which quotes the event's text (Unexpected token 'z', "{"q":zq.canary...}" is not valid JSON).
  it('is ignored, and its debug line holds no text of the event', async () => {
    const url = inject('redisUrl');
    expect(url, 'redis-server missing: apt-get install -y redis-server').toMatch(/^redis:\/\//);
    const prefix = `sec-ev:${Date.now()}:`;
    const { backend } = await pods.pod(url, prefix, { logger });
    await until(() => backend.healthy(), 3000);
    const pub = new Redis(url);
    try {
      for (const msg of [`{"o":"other","op":"add","e":"{\\"question\\":${EMAIL}}"}`, `${EMAIL} is not an event`]) {
        const before = debug.length;
        await pub.publish(`${prefix}events`, msg);
        await until(() => debug.length > before, 2000);
      }
    } finally {
      pub.disconnect();
    }
    const lines = debug.filter((o) => o.backend === 'redis' && o.err !== undefined);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l.err).toBe('SyntaxError');
    expect(JSON.stringify(debug)).not.toContain(EMAIL);
  });
});
