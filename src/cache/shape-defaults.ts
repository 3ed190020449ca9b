// A request field sent at the value the engine takes when it is absent asks for the same answer as a
// request without it, so the cache key reads it as absent: the openai SDK's users and frameworks that
// send `n: 1`, `logprobs: false`, `response_format: {type: "text"}` or `stop: "x"` (for ["x"]) were
// each keyed apart from the same question asked plainly, and missed answers the cache held. Only the
// values OpenAI and vLLM document as their defaults, and only fields whose value can be compared
// exactly; any other value keeps its own key.

/** Field -> its default, as JSON (compared on the JSON text, so 1 and 1.0 meet, "1" does not). */
const DEFAULTS: Readonly<Record<string, string>> = {
  n: '1',
  logprobs: 'false',
  echo: 'false',
  parallel_tool_calls: 'true',
  frequency_penalty: '0',
  presence_penalty: '0',
  repetition_penalty: '1',
  logit_bias: '{}',
  response_format: '{"type":"text"}',
  // vLLM's sampling and template switches at their documented defaults.
  min_tokens: '0',
  ignore_eos: 'false',
  skip_special_tokens: 'true',
  spaces_between_special_tokens: 'true',
  include_stop_str_in_output: 'false',
  add_generation_prompt: 'true',
  continue_final_message: 'false',
  return_tokens_as_token_ids: 'false',
  return_token_ids: 'false',
};

/** The value the key reads for `field`: undefined when it asks for the default answer. */
export function keyedValue(field: string, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  // One stop sequence, as a string or a list of one, is the same; no stop sequences is none.
  if (field === 'stop') {
    if (typeof value === 'string') return [value];
    return Array.isArray(value) && value.length === 0 ? undefined : value;
  }
  const d = DEFAULTS[field];
  return d !== undefined && typeof value !== 'string' && JSON.stringify(value) === d ? undefined : value;
}
