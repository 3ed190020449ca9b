// The clock both runtimes serve with: performance.now and Date.now exist on Node and in workerd
// alike (workerd advances them only across I/O, which is what durations there can measure anyway).
import type { Clock } from './types.ts';

export const systemClock: Clock = { now: () => performance.now(), wallMs: () => Date.now() };
