// Structured JSON logger for Node (pino). Stub with the fixed signature: the observability work
// replaces the body (levels from config, redaction, debug flag for prompt text).
import type { Config } from '../../src/config/schema.ts';
import type { Logger } from '../../src/observability/types.ts';

export function createNodeLogger(config?: Config): Logger {
  void config;
  const line = (level: string) => (obj: object, msg?: string) =>
    process.stdout.write(JSON.stringify({ level, time: Date.now(), ...obj, msg }) + '\n');
  return { debug: () => {}, info: line('info'), warn: line('warn'), error: line('error') };
}
