// Root config schema. Sections owned by other concerns live in ./sections/*.ts and are composed here.
// (Skeleton: the gateway work fills in the vLLM Semantic Router keys.)
import { z } from 'zod';
import { guardSection } from './sections/guard.ts';
import { cacheSection } from './sections/cache.ts';
import { observabilitySection } from './sections/observability.ts';
import { extprocSection } from './sections/extproc.ts';

export const configSchema = z
  .object({
    default_model: z.string(),
    prompt_guard: guardSection.optional(),
    semantic_cache: cacheSection.optional(),
    observability: observabilitySection.optional(),
    extproc: extprocSection.optional(),
  })
  .passthrough();

export type Config = z.infer<typeof configSchema>;
