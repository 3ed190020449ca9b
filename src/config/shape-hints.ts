// A config in one of the reference's later shapes (vsr.md 1.2 v0.1 decisions, 1.3 canonical v0.3)
// fails validation on keys it does not have (default_model, categories[].model_scores); this line says
// why, so the operator is not left hunting for a missing key in a file written for another version.
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function laterShapeHint(raw: Record<string, unknown>): string | undefined {
  const classic = 'semroute reads the classic config.yaml shape (default_model, vllm_endpoints, model_config, categories[].model_scores; README "Config reference")';
  const routing = obj(raw.routing);
  if ((typeof raw.version === 'string' && /^v?0\.[2-9]/.test(raw.version)) || raw.providers !== undefined || raw.listeners !== undefined || routing?.decisions !== undefined || routing?.signals !== undefined) {
    return `this looks like a vLLM Semantic Router v0.3 config (version / listeners / providers / routing.decisions); ${classic}`;
  }
  if (Array.isArray(raw.decisions)) {
    return `decisions[] (the reference's v0.1 routing) is not read: ${classic}, so each category needs its model_scores`;
  }
  return undefined;
}
