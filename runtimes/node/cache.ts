// Builds the semantic cache for a Node pod: in-memory index, optionally synced through Redis.
// Stub with the fixed signature: the semantic-cache work replaces the body.
import type { SemanticCache } from '../../src/cache/types.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Logger, Metrics } from '../../src/observability/types.ts';

export async function createNodeCache(config: Config, logger: Logger, metrics: Metrics): Promise<SemanticCache | undefined> {
  void config; void logger; void metrics;
  return undefined;
}
