// semantic_cache.redis.url_env: the Redis URL (with its password) from an environment variable, so a
// Kubernetes Secret (env valueFrom secretKeyRef) holds it instead of the ConfigMap. The reference's
// config has no substitution (nor does semroute's: `${NAME}` stays literal, with a warning); its later
// shape names secrets the same way (`api_key_env`). Before: the password had to be in the ConfigMap.
// A real process, the suite's redis-server, and a config whose `url` is a refused port.
import { rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { REPO } from './gateway-harness.ts';
import { processFixture } from './helpers/gateway-process.ts';
import { refusedPort } from './helpers/refused-port.ts';

const fx = processFixture();

function start(config: string, env: Record<string, string>) {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'runtimes/node/main.ts'), '--config', config, '--port', '0', '--host', '127.0.0.1', '--no-config-watch'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  fx.procs.push(proc);
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out: () => out, exit };
}

describe('semantic_cache.redis.url_env', () => {
  it('the URL comes from the named variable (url is not used); the log never shows it', async () => {
    const url = inject('redisUrl');
    const prefix = `semroute:url-env-${process.pid}:`;
    const { dir, file } = fx.configDir('semroute-url-env-');
    try {
      writeFileSync(
        file,
        `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${fx.mock().port} }]\nrouting: { enabled: false }\n` +
          `packs: { dir: ${join(REPO, 'models')} }\nprompt_guard: { enabled: false }\n` +
          `semantic_cache: { enabled: true, backend_type: redis, redis: { url: "redis://127.0.0.1:${await refusedPort()}", url_env: SEMROUTE_TEST_REDIS_URL, key_prefix: "${prefix}" } }\n`,
      );
      const gw = start(file, { SEMROUTE_TEST_REDIS_URL: url });
      const deadline = Date.now() + 30_000;
      while (!/"port":(\d+)[^\n]*semroute listening/.test(gw.out())) {
        if (gw.proc.exitCode !== null || Date.now() > deadline) throw new Error(gw.out().slice(-2000));
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(gw.out()).toMatch(/"semantic cache ready"/);
      expect(gw.out()).not.toMatch(/Redis unreachable/);
      const base = `http://127.0.0.1:${/"port":(\d+)[^\n]*semroute listening/.exec(gw.out())![1]}`;
      const r = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'qwen3', messages: [{ role: 'user', content: 'What is the boiling point of water at sea level?' }] }),
      });
      expect(r.status).toBe(200);
      await r.text();
      const redis = new Redis(url);
      try {
        const until = Date.now() + 5_000;
        let keys: string[] = [];
        while ((keys = await redis.keys(`${prefix}*`)).length === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
        expect(keys.length).toBeGreaterThan(0);
        if (keys.length) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
      expect(gw.out()).not.toContain(url);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a value that is no Redis URL: one line naming the key and the variable, never the value, exit 1', async () => {
    const { dir, file } = fx.configDir('semroute-url-env-bad-');
    try {
      writeFileSync(
        file,
        `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${fx.mock().port} }]\nrouting: { enabled: false }\n` +
          `packs: { dir: ${join(REPO, 'models')} }\nprompt_guard: { enabled: false }\n` +
          `semantic_cache: { enabled: true, backend_type: redis, redis: { url_env: SEMROUTE_TEST_BAD_URL } }\n`,
      );
      const gw = start(file, { SEMROUTE_TEST_BAD_URL: 'secret-password@redis' });
      expect(await gw.exit).toBe(1);
      expect(gw.out()).toMatch(/^semroute: semantic_cache\.redis\.url_env: SEMROUTE_TEST_BAD_URL holds no redis:\/\/ or rediss:\/\/ URL \(nor a unix socket path\)$/m);
      expect(gw.out()).not.toContain('secret-password');
      expect(gw.out()).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a variable that is not set: one line naming the key and the variable, exit 1', async () => {
    const { dir, file } = fx.configDir('semroute-url-env-unset-');
    try {
      writeFileSync(
        file,
        `default_model: qwen3\nvllm_endpoints: [{ name: mock, address: 127.0.0.1, port: ${fx.mock().port} }]\nrouting: { enabled: false }\n` +
          `packs: { dir: ${join(REPO, 'models')} }\nprompt_guard: { enabled: false }\n` +
          `semantic_cache: { enabled: true, backend_type: redis, redis: { url_env: SEMROUTE_TEST_UNSET_URL } }\n`,
      );
      const gw = start(file, {});
      expect(await gw.exit).toBe(1);
      expect(gw.out()).toMatch(/^semroute: semantic_cache\.redis\.url_env: the environment variable SEMROUTE_TEST_UNSET_URL is not set$/m);
      expect(gw.out()).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
