// Regenerates src/config/default-config.ts from config/config.yaml, so runtimes without a
// filesystem (the Worker) carry the same commented default. test/unit/config-load.test.ts checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const yaml = readFileSync(`${root}config/config.yaml`, 'utf8');
const out =
  '// Generated from config/config.yaml by runtimes/node/gen-default-config.ts: do not edit by hand.\n' +
  `export const DEFAULT_CONFIG_YAML: string = ${JSON.stringify(yaml)};\n`;
writeFileSync(`${root}src/config/default-config.ts`, out);
console.log('wrote src/config/default-config.ts');
