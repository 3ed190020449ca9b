// The config folder watch (runtimes/node/config-watch.ts) against a real folder: events for other
// files in the folder (a log written next to the config) must not re-read the config, or a warning
// about an empty config, logged into that folder, triggers the next read forever.
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFolder } from '../../runtimes/node/config-watch.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('config folder watch', () => {
  it('a warning logged into the same folder does not loop (empty config)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-watch-'));
    const file = join(dir, 'config.yaml');
    const log = join(dir, 'semroute.log');
    writeFileSync(file, 'default_model: a\n');
    const warns: string[] = [];
    // The process's log goes to a file beside the config, as with `--config ./c.yaml > ./semroute.log`.
    const logger = { debug() {}, info() {}, error() {}, warn(_o: unknown, msg: string) { warns.push(msg); appendFileSync(log, `${msg}\n`); } };
    const texts: string[] = [];
    stop = watchFolder(file, 20, logger, (t) => texts.push(t)).close;
    writeFileSync(file, '');
    await sleep(800);
    expect(warns.filter((w) => w.includes('file is empty')).length).toBeLessThanOrEqual(1);
    // It still sees the config when it is written again, and other files never count as a change.
    writeFileSync(join(dir, 'other.txt'), 'x');
    await sleep(200);
    expect(texts).toEqual([]);
    writeFileSync(file, 'default_model: b\n');
    await sleep(300);
    expect(texts).toEqual(['default_model: b\n']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a Kubernetes-style ..data swap and a save through rename are seen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-watch-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'default_model: a\n');
    const texts: string[] = [];
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    stop = watchFolder(file, 20, quiet, (t) => texts.push(t)).close;
    writeFileSync(join(dir, '.config.yaml.tmp'), 'default_model: c\n');
    renameSync(join(dir, '.config.yaml.tmp'), file);
    await sleep(300);
    expect(texts.at(-1)).toBe('default_model: c\n');
    writeFileSync(join(dir, '..data_tmp'), 'x');
    await sleep(300);
    expect(texts.length).toBeGreaterThanOrEqual(2);
    rmSync(dir, { recursive: true, force: true });
  });
});
