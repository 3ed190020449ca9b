// Stage: jailbreak check on the user-visible texts (issue: guardrails).
// Stub that continues; the owning work replaces the body, keeping the signature.
import type { AppDeps } from '../deps.ts';
import type { ImmediateResponse, PipelineContext } from './context.ts';

/** Returns an ImmediateResponse to answer without the upstream, or undefined to continue. */
export async function guardStage(deps: AppDeps, ctx: PipelineContext): Promise<ImmediateResponse | undefined> {
  void deps;
  void ctx;
  return undefined;
}
