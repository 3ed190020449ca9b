// Config section owned by the cache work; the root schema (src/config/schema.ts) composes the sections.
import { z } from 'zod';

export const cacheSection = z.object({}).passthrough();
