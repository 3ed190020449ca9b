// Config section owned by the guard work; the root schema (src/config/schema.ts) composes the sections.
import { z } from 'zod';

export const guardSection = z.object({}).passthrough();
