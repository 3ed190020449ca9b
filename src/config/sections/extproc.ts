// Config section owned by the extproc work; the root schema (src/config/schema.ts) composes the sections.
import { z } from 'zod';

export const extprocSection = z.object({}).passthrough();
