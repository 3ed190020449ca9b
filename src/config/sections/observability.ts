// Config section owned by the observability work; the root schema (src/config/schema.ts) composes the sections.
import { z } from 'zod';

export const observabilitySection = z.object({}).passthrough();
