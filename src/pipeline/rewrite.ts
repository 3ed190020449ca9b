// Step 6 of the request walk: write the decision into the body (model, category system prompt,
// reasoning switch per model family), as the reference does (vsr.md 1.1 step 5).
import type { AppDeps } from '../deps.ts';
import type { Category, Config } from '../config/schema.ts';
import type { ChatBody, ChatMessage, PipelineContext, RoutingDecision } from './context.ts';
import { indexCategories } from './categories.ts';
import { headerText } from '../upstream/headers.ts';
import { getPath, paramPath, setPath } from './param-path.ts';
import { effortLabel } from '../observability/labels.ts';
import { softSwitchOff } from './soft-switch.ts';
import { reasoningFamilyAttribute, systemPromptSpan } from '../observability/stage-spans.ts';

/**
 * Replace mode: a leading system message gets the prompt (or one is added in front). Insert mode:
 * prompt + "\n\n" + existing. As the reference, only messages[0] is the client's system prompt: a
 * system message later in the conversation is an instruction there (replaced in place, it left vLLM
 * no leading system message, which templates such as Qwen3.5 refuse). A leading `developer` message
 * is OpenAI's newer name for it, so it is the one replaced or prepended to and leaves as `system`:
 * adding a second one in front sent vLLM a system and a developer message, which chat templates
 * reject (Qwen3.5: unexpected role) or drop (Qwen3 renders no developer turn).
 */
export function injectSystemPrompt(messages: ChatMessage[], prompt: string, mode: 'replace' | 'insert'): ChatMessage[] {
  const role = messages[0]?.role;
  if (role !== 'system' && role !== 'developer') return [{ role: 'system', content: prompt }, ...messages];
  const out = messages.slice();
  const old = { ...out[0], role: 'system' };
  if (mode === 'replace') {
    out[0] = { ...old, content: prompt };
  } else if (Array.isArray(old.content)) {
    out[0] = { ...old, content: [{ type: 'text', text: `${prompt}\n\n` }, ...old.content] };
  } else {
    out[0] = { ...old, content: old.content ? `${prompt}\n\n${old.content}` : prompt };
  }
  return out;
}

/**
 * Reasoning per model family. ON: chat_template_kwargs.{parameter}=true, or reasoning_effort=<effort>.
 * OFF: the flag is sent as false, because Qwen3's template thinks when enable_thinking is absent
 * (removing it, as the classic reference did, left the model thinking; the reference's HEAD sends
 * false too); other chat_template_kwargs keys of the client are kept. A reasoning_effort family gets
 * the client's own value back, else "low" (top_level_reasoning_effort: else none). No family: body untouched.
 * A dotted parameter is a nested field (reasoning.effort -> {"reasoning": {"effort": ...}}), as the
 * reference's newer configs write it; a literal "reasoning.effort" key is read by no server. The
 * client's effort for an effort family is read at that place, else from its top-level reasoning_effort,
 * which is always removed (the reference does), so the upstream gets one effort, the family's.
 */
export function applyReasoning(body: ChatBody, config: Config, d: RoutingDecision): { family?: string; param?: string; effort?: string } {
  const familyName = config.model_config[d.model]?.reasoning_family;
  const family = familyName ? config.reasoning_families[familyName] : undefined;
  if (!familyName || !family) return {};
  const path = paramPath(family.parameter);
  const atPath = getPath(body, path);
  const clientEffort = typeof atPath === 'string' ? atPath : body.reasoning_effort;
  delete body.reasoning_effort;
  const kwargs = body.chat_template_kwargs;
  const keep = kwargs && typeof kwargs === 'object' && !Array.isArray(kwargs) ? { ...(kwargs as Record<string, unknown>) } : {};
  delete body.chat_template_kwargs;
  if (family.type === 'chat_template_kwargs') {
    setPath(keep, path, d.reasoning);
    body.chat_template_kwargs = keep;
  } else {
    if (Object.keys(keep).length) body.chat_template_kwargs = keep;
    const effort = d.reasoning ? (d.reasoningEffort ?? config.default_reasoning_effort ?? 'medium') : undefined;
    const invented = family.type === 'top_level_reasoning_effort' ? undefined : 'low';
    const sentEffort = effort ?? (typeof clientEffort === 'string' ? clientEffort : invented);
    if (sentEffort !== undefined) setPath(body, path, sentEffort);
    return { family: familyName, param: family.parameter, effort: sentEffort };
  }
  return { family: familyName, param: family.parameter };
}

/**
 * A routed decision with reasoning on whose effort is `none` (an entry's reasoning_effort, or
 * default_reasoning_effort) for a reasoning_effort family: applyReasoning sends reasoning_effort: none,
 * which asks the model not to reason (the reference's newer code sends none as a family's off value),
 * so the header, log, metrics and the routing span report it off. Read before and after the rewrite.
 * An explicit model's request is not rewritten: what it sent decides (reasoning-as-sent.ts).
 */
export function effortNoneOff(config: Config, d: Pick<RoutingDecision, 'routed' | 'model' | 'reasoning' | 'reasoningEffort'>): boolean {
  const family = config.reasoning_families[config.model_config[d.model]?.reasoning_family ?? ''];
  if (!d.routed || !d.reasoning || !family || family.type === 'chat_template_kwargs') return false;
  return (d.reasoningEffort ?? config.default_reasoning_effort ?? 'medium').toLowerCase() === 'none';
}

/** Efforts that read as "reasoning off": what applyReasoning sends for off, and the ones below it. */
const OFF_EFFORTS = new Set(['low', 'minimal', 'none']);
const NESTED_EFFORT = ['reasoning', 'effort'];

/**
 * Whether a request that semroute forwards unchanged (an explicit model) asks for reasoning, read
 * the way applyReasoning writes it: the model family's switch, or for a model without a family the
 * usual ones (chat_template_kwargs enable_thinking / thinking, a reasoning_effort or reasoning.effort
 * above low).
 */
export function requestedReasoning(body: ChatBody, config: Config, model: string): boolean {
  const familyName = config.model_config[model]?.reasoning_family;
  const family = familyName ? config.reasoning_families[familyName] : undefined;
  const kwargs = body.chat_template_kwargs && typeof body.chat_template_kwargs === 'object' ? (body.chat_template_kwargs as Record<string, unknown>) : {};
  const effortOn = (v: unknown) => typeof v === 'string' && !OFF_EFFORTS.has(v.toLowerCase());
  if (family) {
    const path = paramPath(family.parameter);
    return family.type === 'chat_template_kwargs' ? getPath(kwargs, path) === true : effortOn(getPath(body, path));
  }
  return kwargs.enable_thinking === true || kwargs.thinking === true || effortOn(body.reasoning_effort) || effortOn(getPath(body, NESTED_EFFORT));
}

/**
 * The client's own reasoning ask for `model`, as decision fields: used when nothing was classified
 * (routing off, no category pack, no text, a failed classifier), so there is no decision to put
 * over it. applyReasoning then sends it in the family's form (an explicit false when none).
 */
export function clientReasoning(body: ChatBody, config: Config, model: string): Pick<RoutingDecision, 'reasoning' | 'reasoningEffort'> {
  if (!requestedReasoning(body, config, model)) return { reasoning: false };
  const family = config.reasoning_families[config.model_config[model]?.reasoning_family ?? ''];
  const effort = family && family.type !== 'chat_template_kwargs' ? getPath(body, paramPath(family.parameter)) : undefined;
  return { reasoning: true, reasoningEffort: typeof effort === 'string' ? effort : undefined };
}

const indexes = new WeakMap<object, ReturnType<typeof indexCategories>>();

function categoryOf(config: Config, name: string | undefined): Category | undefined {
  if (!name) return undefined;
  let idx = indexes.get(config);
  if (!idx) indexes.set(config, (idx = indexCategories(config)));
  return idx.byName(name);
}

export function rewriteStage(deps: AppDeps, ctx: PipelineContext): void {
  const d = ctx.decision;
  if (!d) return;
  const { config } = deps;
  if (d.routed) {
    const body = ctx.body;
    body.model = d.model;
    const cat = d.reasonCode === 'auto_routing' || d.reasonCode === 'pii_policy_alternative_selected' ? categoryOf(config, d.category) : undefined;
    if (cat?.system_prompt && cat.system_prompt_enabled !== false) {
      const prompt = cat.system_prompt;
      const mode = cat.system_prompt_mode ?? 'replace';
      body.messages = systemPromptSpan(cat.name, mode, () => injectSystemPrompt(body.messages, prompt, mode));
      d.injectedSystemPrompt = true;
    }
    const applied = applyReasoning(body, config, d);
    // The header, the log line and the metrics report what the upstream was sent, which is not
    // always the decision: a model without a family gets nothing written (the client's own switch,
    // if any, goes as sent), and an effort family with reasoning off gets the client's own effort
    // back (reasoning at "high" if it asked for that). An entry's own `reasoning_effort: low` stays on.
    // Effort none is reported off (effortNoneOff), its effort still named in the decision metric.
    const decided = applied.family !== undefined && d.reasoning;
    const sentNone = effortNoneOff(config, d);
    d.reasoning = (decided && !sentNone) || requestedReasoning(body, config, d.model);
    if (applied.family) {
      reasoningFamilyAttribute(applied.family);
      // applied.effort may be the client's own value (sent upstream as is): a bounded label here.
      const effort = (d.reasoning || sentNone) && applied.effort ? effortLabel(applied.effort) : '';
      deps.metrics.inc('llm_reasoning_decisions_total', { category: d.category ?? '', model: d.model, enabled: String(d.reasoning), effort });
      if (d.reasoning) deps.metrics.inc('llm_reasoning_template_usage_total', { family: applied.family, param: applied.param ?? '' });
      if (effort) deps.metrics.inc('llm_reasoning_effort_usage_total', { family: applied.family, effort });
    }
    if (d.model !== ctx.requestedModel) {
      deps.metrics.inc('llm_model_routing_modifications_total', { source_model: ctx.requestedModel, target_model: d.model });
    }
    // The metrics above count the switch semroute sent; the header and the log say what the model
    // does with it: Qwen3 sent enable_thinking true still skips thinking on the user's /no_think.
    if (d.reasoning && softSwitchOff(body, config, d.model)) d.reasoning = false;
  }
  Object.assign(ctx.responseHeaders, decisionHeaders(d));
}

/** Longest x-vsr-selected-model value sent (percent-encoded text); real model names are far shorter. */
const MAX_MODEL_HEADER = 1024;

/**
 * x-vsr-* headers of a decision (the reference adds them to 2xx upstream answers). Like the reference,
 * the category header is left out when no category was selected (explicit model, low confidence).
 */
export function decisionHeaders(d: RoutingDecision): Record<string, string> {
  // Assigned one by one: a conditional spread followed by properties costs 1-2 us per request on
  // Node 20 (bench/object-spread.ts).
  const h: Record<string, string> = {};
  if (d.category) h['x-vsr-selected-category'] = headerText(d.category);
  // The model may be the client's own made-up name (any length): one too long for a header is left
  // out rather than sent, so the answer stays readable (clients read 8-16 KiB of headers at most).
  const model = headerText(d.model);
  if (model.length <= MAX_MODEL_HEADER) h['x-vsr-selected-model'] = model;
  h['x-vsr-selected-reasoning'] = d.reasoning ? 'on' : 'off';
  h['x-vsr-injected-system-prompt'] = d.injectedSystemPrompt ? 'true' : 'false';
  return h;
}
