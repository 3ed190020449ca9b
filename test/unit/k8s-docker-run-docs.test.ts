// k8s/README.md's `docker run` line, read against the Dockerfile it runs: the arguments after the image
// must be options the program takes (they replace CMD, so ENTRYPOINT must be the exec form that appends
// them), the mounted file must be the one --config names, the published port the one the config serves
// and the image exposes, and the reason given for mounting a config (the baked-in one points at the dev
// mock) must hold for the config the image bakes in.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.ts';
import { parseCli } from '../../runtimes/node/main.ts';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
const guide = read('k8s/README.md');
const block = /```bash\n(docker run [\s\S]*?)```/.exec(guide)?.[1];
const words = (block ?? '').replace(/\\\n\s*/g, ' ').trim().split(/\s+/).map((w) => w.replace(/^"|"$/g, ''));
const dockerfile = read('Dockerfile');

describe("k8s/README.md: docker run against the Dockerfile", () => {
  it('has the line', () => {
    expect(words.slice(0, 2)).toEqual(['docker', 'run']);
  });

  it('the arguments after the image are options the program takes, appended to an exec-form ENTRYPOINT', () => {
    const image = words.findIndex((w) => w.startsWith('<registry>/semroute:'));
    expect(image).toBeGreaterThan(1);
    const args = words.slice(image + 1);
    expect(() => parseCli(args)).not.toThrow();
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "dist\/semroute\.mjs"\]$/m);
    expect(dockerfile).toMatch(/^CMD \[.*"--config".*\]$/m);
    // The mounted file must be readable by the user the image runs as, which the guide names.
    const uid = /^USER (\d+)/m.exec(dockerfile)![1];
    expect(guide).toContain(`as uid ${uid}`);
  });

  it('mounts the file --config names, and publishes the port the config serves and the image exposes', () => {
    const config = words[words.indexOf('--config') + 1]!;
    const mount = words[words.indexOf('-v') + 1]!.split(':');
    expect(mount[1]).toBe(config);
    const [host, inside] = words[words.indexOf('-p') + 1]!.split(':').map(Number);
    expect(host).toBeGreaterThan(0);
    const served = loadConfigText(read('config/config.yaml')).config.server.port;
    expect(inside).toBe(served);
    expect(/^EXPOSE (.*)$/m.exec(dockerfile)![1]!.split(/\s+/).map(Number)).toContain(inside);
  });

  it('the baked-in config is the one it says: config/config.yaml, pointed at the dev mock on 127.0.0.1:8000', () => {
    expect(dockerfile).toMatch(/^COPY config\/config\.yaml \.\/config\/config\.yaml$/m);
    const { vllm_endpoints } = loadConfigText(read('config/config.yaml')).config;
    expect(vllm_endpoints.map((e) => `${e.address}:${e.port}`)).toEqual(['127.0.0.1:8000']);
    expect(guide).toContain('127.0.0.1:8000');
  });
});
