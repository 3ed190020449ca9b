// Checks across sections that a per-field schema cannot see: names that must refer to each other.
import type { Config } from './schema.ts';
import { piiTypeWarnings } from './pii-type-check.ts';
import { effortWarnings } from './effort-check.ts';

export function crossCheck(c: Config): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const endpointNames = new Set(c.vllm_endpoints.map((e) => e.name));
  const seen = new Set<string>();
  c.vllm_endpoints.forEach((e, i) => {
    if (seen.has(e.name)) errors.push(`vllm_endpoints[${i}].name: duplicate endpoint name "${e.name}"`);
    if (e.tls && e.scheme !== 'https') warnings.push(`vllm_endpoints[${i}].tls: has no effect with scheme ${e.scheme} (set scheme: https)`);
    seen.add(e.name);
  });
  for (const [model, mc] of Object.entries(c.model_config)) {
    (mc.preferred_endpoints ?? []).forEach((name, i) => {
      if (!endpointNames.has(name)) {
        errors.push(`model_config.${model}.preferred_endpoints[${i}]: no vllm_endpoints entry named "${name}"`);
      }
    });
    if (mc.reasoning_family && !c.reasoning_families[mc.reasoning_family]) {
      errors.push(`model_config.${model}.reasoning_family: "${mc.reasoning_family}" is not in reasoning_families`);
    }
  }
  warnings.push(...unservedModels(c), ...piiTypeWarnings(c), ...effortWarnings(c));
  const names = new Set<string>();
  c.categories.forEach((cat, i) => {
    const key = cat.name.toLowerCase();
    if (names.has(key)) errors.push(`categories[${i}].name: duplicate category "${cat.name}"`);
    names.add(key);
  });
  // Reference features that are accepted but not implemented: switched on, they would silently do nothing.
  if ((c.tools as { enabled?: unknown } | undefined)?.enabled === true) {
    warnings.push('tools.enabled: semantic tool selection is not implemented; request tools are forwarded unchanged');
  }
  if ((c.classifier.mcp_category_model as { enabled?: unknown } | undefined)?.enabled === true) {
    warnings.push('classifier.mcp_category_model.enabled: the MCP category classifier is not implemented; routing classifies with packs.category');
  }
  for (const auto of c.routing.auto_model_names) {
    if (c.model_config[auto]) warnings.push(`routing.auto_model_names: "${auto}" is also a configured model; requests for it are routed`);
  }
  return { errors, warnings };
}

/**
 * With vllm_endpoints[].models lists, a model routing can choose that no endpoint serves would answer
 * every such request 502; and a preferred endpoint whose list leaves the model out is skipped.
 */
function unservedModels(c: Config): string[] {
  if (!c.vllm_endpoints.some((e) => e.models)) return [];
  const out: string[] = [];
  const serves = (model: string) => c.vllm_endpoints.filter((e) => !e.models || e.models.includes(model)).map((e) => e.name);
  const routed = new Set([c.default_model, ...c.categories.flatMap((cat) => cat.model_scores.map((s) => s.model))]);
  for (const model of routed) {
    const own = Object.hasOwn(c.model_config, model) ? c.model_config[model]?.preferred_endpoints : undefined;
    if (!own?.length && serves(model).length === 0) out.push(`model "${model}" is chosen by routing, but no vllm_endpoints entry serves it (no models list names it): its requests answer 502`);
  }
  // A configured model only clients name: GET /v1/models lists it, yet each request for it is a 404.
  for (const [model, mc] of Object.entries(c.model_config)) {
    if (routed.has(model) || mc.preferred_endpoints?.length || serves(model).length) continue;
    out.push(`model_config.${model}: no vllm_endpoints entry serves it (no models list names it, no preferred_endpoints): its requests answer 404 model_not_found`);
  }
  for (const [model, mc] of Object.entries(c.model_config)) {
    const names = serves(model);
    const off = (mc.preferred_endpoints ?? []).filter((n) => !names.includes(n));
    if (off.length) out.push(`model_config.${model}.preferred_endpoints: ${off.map((n) => `"${n}"`).join(', ')} do not list "${model}" in their models`);
  }
  return out;
}
