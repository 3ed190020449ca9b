// `--check` (validate a config before applying it, k8s/README step 2) also says which packs the
// config needs that the packs folder does not hold: the server would start without them (a missing
// category pack: /ready 503 until a reload finds it). A warning, not a failure: the k8s configs name
// the image's /app/models, which a check outside the image does not have (--models-dir points it
// elsewhere). Before, `--check` said "config OK" for a packs.dir that does not exist.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runMain } from './helpers/node-main.ts';

function check(config: string, extra: string[] = []): Promise<{ code: number | null; out: string }> {
  return runMain(['--config', config, '--check', ...extra]);
}

describe('--check and the packs folder', () => {
  it('names each pack the config needs that the folder lacks, as a warning; --models-dir is honoured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'semroute-check-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'default_model: qwen3\nvllm_endpoints: [{ name: e, address: 127.0.0.1, port: 8000 }]\npacks: { dir: /nonexistent/models }\nprompt_guard: { enabled: true }\n');
    const missing = await check(config);
    expect(missing.code).toBe(0);
    expect(missing.out).toMatch(/config OK \(2 warnings\)/);
    expect(missing.out).toMatch(/"warning":"packs: \\"domain\\" not found in \/nonexistent\/models \(no manifest\.json\)[^"]*"/);
    expect(missing.out).toMatch(/"warning":"packs: \\"jailbreak\\" not found in \/nonexistent\/models/);

    const found = await check(config, ['--models-dir', join(ROOT, 'models')]);
    expect(found.code).toBe(0);
    expect(found.out).toBe('config OK\n');
  }, 60_000);
});
