// Stage: semantic cache lookup; on a miss registers a ResponseTap that stores the answer (issue: semantic cache).
// Stub that continues; the owning work replaces the body, keeping the signature.
import type { AppDeps } from '../deps.ts';
import type { ImmediateResponse, PipelineContext } from './context.ts';

/** Returns an ImmediateResponse to answer without the upstream, or undefined to continue. */
export async function cacheLookupStage(deps: AppDeps, ctx: PipelineContext): Promise<ImmediateResponse | undefined> {
  void deps;
  void ctx;
  return undefined;
}
