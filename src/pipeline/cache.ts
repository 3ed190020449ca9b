// Stage: semantic cache lookup before routing (keyed by the requested model, scope and conversation
// context, on the embedding of the latest user message). A hit answers at once (JSON or SSE as the
// client asked); a miss registers a ResponseTap that stores the answer once it is complete and
// successful. Per-category thresholds apply to the category the stored answer was routed to: the
// current request is not classified yet, and that category is the one its twin would get.
// Cache trouble never fails a request: it is logged, counted, and the request goes on uncached.
import type { AppDeps } from '../deps.ts';
import { includeUsage } from './request.ts';
import type { ImmediateResponse, PipelineContext, ResponseTap } from './context.ts';
import { cacheHitResponse } from '../cache/hit-response.ts';
import { lookupThreshold, planCache, thresholdFor } from '../cache/plan.ts';
import { assembleChunks, isCompleteAnswer, isEmptyAnswer, isRefusal } from '../cache/sse.ts';
import { MAX_RECORDED_CHARS } from '../upstream/sse-events.ts';
import { choiceCount } from '../upstream/choice-finish.ts';
import type { CacheKeyScope } from '../cache/types.ts';
import { conflicts, questionSignature, type QuestionSignature } from '../cache/word-order.ts';
import { cachePiiVerdict, hitPiiVerdict } from '../cache/pii-check.ts';
import { collectTextSlots } from '../guard/redaction.ts';
import { groupTexts } from '../guard/pii-slots.ts';
import { unreadText } from '../guard/unread-strings.ts';
import { errorName } from './done-taps.ts';
import { acceptedCredentials, credentialDigest } from '../cache/credentials.ts';

/** Hex digits of the credentials' SHA-256 in a user partition's name (128 bits: no two keys meet). */
const USER_KEY_HEX = 32;

/** Returns an ImmediateResponse to answer without the upstream, or undefined to continue. */
export async function cacheLookupStage(deps: AppDeps, ctx: PipelineContext): Promise<ImmediateResponse<'cache_hit'> | undefined> {
  const cfg = deps.config.semantic_cache;
  const cache = deps.cache;
  if (!cache || !cfg?.enabled) return undefined;
  const plan = planCache(deps.config, cfg, ctx);
  if (typeof plan === 'string') {
    deps.metrics.inc('llm_cache_skipped_total', { reason: plan });
    return undefined;
  }
  const embedder = deps.classifiers.embedder((deps.config as { packs?: { embedding?: string } }).packs?.embedding);
  if (!embedder) return undefined;

  let vector: Float32Array;
  try {
    const t0 = deps.clock.now();
    vector = await embedder.embed(ctx.texts.latestUser);
    deps.metrics.observe('llm_cache_operation_duration_seconds', { backend: 'embedding', operation: 'embed' }, (deps.clock.now() - t0) / 1000);
  } catch (err) {
    // Names only: an embedder's or backend's message may quote the question.
    deps.logger.warn({ request_id: ctx.requestId, err: errorName(err) }, 'cache embedding failed; continuing uncached');
    return undefined;
  }
  // Read once: the user partition and the credential check both use it.
  const credential = cfg.scope === 'user' || cfg.verify_credentials ? await credentialDigest(ctx.headers) : '';
  // The session header is the client's word: with it alone, any client naming another user's id read
  // that user's answers. Bound to the credentials too, a forged id lands in the forger's own partition;
  // clients of a proxy that sets the header and sends one shared key keep one partition per user.
  if (cfg.scope === 'user') plan.key.scope += `:${credential.slice(0, USER_KEY_HEX)}`;
  ctx.cache = { key: plan.key, vector, hit: false, store: plan.store };
  // Read once: the lookup compares it, the store keeps it (word-order.ts).
  const sig = questionSignature(ctx.texts.latestUser);
  const verified = cfg.verify_credentials ? verifiedCredentials(deps, ctx, cache, credential) : true;
  if (plan.lookup && !verified) deps.metrics.inc('llm_cache_skipped_total', { reason: 'unverified_credentials' });

  if (plan.lookup && verified) {
    // A streaming client that asked for usage is not served a recorded stream that had none (it
    // would end without the usage chunk the client reads); the upstream answers, with usage.
    const needsUsage = ctx.stream && includeUsage(ctx.body);
    try {
      const hit = await cache.lookup(plan.key, vector, lookupThreshold(cfg), (a) => !conflicts(a, sig) && (!needsUsage || hasUsage(a.completion)));
      const found = hit && hit.similarity >= thresholdFor(cfg, hit.answer.category) ? hit : undefined;
      // A restricting pii_policy decides as on a cold cache: scanned on hits only, found PII (or not
      // read all) is a miss, and routing and the PII stage then block, reroute or mask (pii-check.ts).
      const verdict = found && (await hitPiiVerdict(deps, ctx));
      if (verdict === 'pii' || verdict === 'unchecked') deps.metrics.inc('llm_cache_skipped_total', { reason: 'pii_policy' });
      else if (found) {
        ctx.cache.hit = true;
        ctx.cache.similarity = found.similarity;
        // Routing does not run on a hit: the answer's model is the one the request line names.
        ctx.cache.model = found.answer.model || ctx.requestedModel;
        ctx.cache.store = false;
        deps.metrics.inc('llm_cache_hits_total');
        return cacheHitResponse(found, { stream: ctx.stream, includeUsage: includeUsage(ctx.body) });
      }
    } catch (err) {
      deps.logger.warn({ request_id: ctx.requestId, err: errorName(err) }, 'cache lookup failed; continuing uncached');
    }
    deps.metrics.inc('llm_cache_misses_total');
  }
  // The texts as the client sent them: later stages rewrite the body (system prompt, redaction).
  // Read as the PII stage reads them (a message's parts, a tool definition's strings as one text).
  // Not `user` or `metadata` (logged slots): the answer is not made from them and the cache keeps none of them.
  const texts = plan.store && cfg.skip_pii_types.length ? groupTexts(collectTextSlots(ctx.body).filter((s) => !s.logged)) : undefined;
  if (plan.store) ctx.taps.push(storeTap(deps, ctx, plan.key, vector, sig, texts));
  return undefined;
}

/**
 * A hit skips the upstream's key check: only credentials it accepted lately, for the requested
 * model, are served one (credentials.ts). Each answer it gives 2xx renews them.
 */
function verifiedCredentials(deps: AppDeps, ctx: PipelineContext, cache: object, digest: string): boolean {
  const accepted = acceptedCredentials(cache, () => deps.clock.wallMs());
  // Per requested model: a key the upstream allows one model (a LiteLLM or project key) is not served
  // the answers of another, which it would refuse.
  const credential = `${digest}\n${ctx.requestedModel}`;
  ctx.taps.push({ name: 'cache-credentials', done: ({ status }) => { if (status >= 200 && status < 300) accepted.accept(credential); } });
  return accepted.accepted(credential);
}

function storeTap(
  deps: AppDeps, ctx: PipelineContext, key: CacheKeyScope, vector: Float32Array, sig: QuestionSignature, texts: string[] | undefined,
): ResponseTap {
  const skip = (reason: string) => deps.metrics.inc('llm_cache_write_skipped_total', { reason });
  return {
    name: 'semantic-cache',
    async done({ status, completion, sse, oversized }) {
      if (status !== 200) return skip('status');
      // Later stages may withdraw the store: the PII stage does when what the model reads (or a string
      // no reader covers) carried personal data. An answer to such a question is that user's alone;
      // what it found only in `user` or `metadata` values keeps the answer, as the scan below does.
      if (ctx.cache && !ctx.cache.store) return skip('withdrawn');
      // The guard took the request for an attack and let it through (action: flag), or did not read it
      // all (on_exceed: allow): what it got out of the model is not served to the next asker.
      if (ctx.responseHeaders['x-vsr-jailbreak-flagged'] === 'true') return skip('guard_flagged');
      if (ctx.responseHeaders['x-vsr-guard-partial'] === 'true') return skip('guard_partial');
      // A stream longer than what is recorded: nothing to store, but said, as for a JSON answer below.
      if (oversized) return skip('too_large');
      const full = (sse?.length ? assembleChunks(sse) : undefined) ?? completion;
      if (!isCompleteAnswer(full, sse)) return skip('incomplete');
      // Fewer choices than asked (one dropped, a stream ended before choice 1 came): stored, every
      // later request with this n would read choices[1] in vain.
      if ((Array.isArray(full.choices) ? full.choices.length : 0) < choiceCount(ctx.body.n)) return skip('incomplete');
      // The model declined this asker (often one sample of several): kept, every close question, benign
      // rewordings too, would be refused for the TTL. Refusals are few: asking again costs little.
      if (isRefusal(full)) return skip('refusal');
      // Nothing said (an EOS first, or every token kept as reasoning): asked again, the model most
      // likely answers; kept, every close question would get the silence for the TTL.
      if (isEmptyAnswer(full)) return skip('empty');
      // An entry is no larger than a streamed answer may be recorded (sse-events.ts): one 50 MB JSON
      // answer would otherwise be held for the whole TTL.
      if (!sse?.length && JSON.stringify(full).length > MAX_RECORDED_CHARS) return skip('too_large');
      // Not scanned by the PII stage (the model may see PII): scan now, before anyone else can be served it.
      if (texts && !ctx.pii) {
        const types = deps.config.semantic_cache?.skip_pii_types ?? [];
        // And what the restricting scan reads besides (unread-strings.ts): strings under keys no reader
        // covers, key names (a tool's property names), long integers, fields that steer decoding (a
        // regex forcing an address into the answer). Walked here, on stored misses only; first, so
        // scanned last. `user` and `metadata` values count as read (left out above).
        const unread = unreadText(ctx.body, collectTextSlots(ctx.body).map((s) => s.get()));
        const verdict = await cachePiiVerdict(deps, [...unread, ...texts], types).catch(() => 'unchecked' as const);
        if (verdict !== 'clean') return skip(verdict === 'pii' ? 'pii' : 'pii_unchecked');
      }
      await deps.cache!.store(key, vector, {
        completion: full,
        sse: sse?.length ? [...sse] : undefined,
        model: typeof full.model === 'string' ? full.model : '',
        createdMs: deps.clock.wallMs(),
        category: ctx.decision?.category,
        order: sig.order,
        numbers: sig.numbers,
        names: sig.names,
        marks: sig.marks,
        poles: sig.poles,
        stems: sig.stems,
      });
    },
  };
}

const hasUsage = (completion: unknown) => !!(completion as { usage?: unknown } | null)?.usage;
