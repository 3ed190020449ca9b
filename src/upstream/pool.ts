// Endpoint pool: model -> the endpoints it may use (the vllm_endpoints that serve it: those whose
// `models` list names it, as the reference's v0.1 configs say, and those with no list; narrowed by
// model_config.<m>.preferred_endpoints), spread by weight with smooth weighted round-robin
// (deterministic, so tests can count), with passive health: an endpoint that refused a connection,
// or dropped one unanswered, is tried last for `down_ms`.
import type { Config } from '../config/schema.ts';
import type { Clock } from '../observability/types.ts';
import type { RequestErrorReason } from '../observability/label-values.ts';

export interface PoolEndpoint {
  name: string;
  baseUrl: string;
  /** host:port, for the ext_proc `x-gateway-destination-endpoint` header. */
  hostPort: string;
  weight: number;
  /** vllm_endpoints[].models: the models it serves; undefined: any. */
  models?: ReadonlySet<string>;
}

interface Group {
  endpoints: PoolEndpoint[];
  current: number[];
}

/** The rotation of models without preferred_endpoints that no `models` list names (a Symbol: no model name can be it). */
const DEFAULT_GROUP = Symbol('default');
/** A request with no model (a passed-through GET /version): every endpoint. */
const ANY_GROUP = Symbol('any');

export class EndpointPool {
  private readonly all: PoolEndpoint[];
  /** Every name a `models` list holds: those get a rotation of their own. */
  private readonly listed = new Set<string>();
  private readonly groups = new Map<string | symbol, Group>();
  private readonly downUntil = new Map<string, number>();
  /** Endpoints whose last connection attempt failed: an outage is logged once, not per request. */
  private readonly failing = new Set<string>();

  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
  ) {
    this.all = config.vllm_endpoints.map((e) => {
      const host = e.address.includes(':') ? `[${e.address}]` : e.address;
      const models = e.models ? new Set(e.models) : undefined;
      for (const m of models ?? []) this.listed.add(m);
      return { name: e.name, baseUrl: `${e.scheme}://${host}:${e.port}`, hostPort: `${host}:${e.port}`, weight: e.weight, models };
    });
  }

  /** The endpoints whose `models` list names `model`, and those with no list. */
  private serving(model: string): PoolEndpoint[] {
    return this.all.filter((e) => !e.models || e.models.has(model));
  }

  private group(model: string): Group {
    // Only models with their own preferred_endpoints, or named in a `models` list, get their own
    // rotation; every other name (client text: a made-up model, a passed-through route's) shares the
    // default one, so the map stays as small as the config and the spread by weight holds across them.
    const own = Object.hasOwn(this.config.model_config, model) ? this.config.model_config[model]?.preferred_endpoints : undefined;
    const key = own?.length || this.listed.has(model) ? model : model === '' ? ANY_GROUP : DEFAULT_GROUP;
    let g = this.groups.get(key);
    if (!g) {
      const serving = key === ANY_GROUP ? this.all : this.serving(model);
      let endpoints = serving;
      if (own?.length) {
        // preferred_endpoints narrows the endpoints that serve the model; when none of them does (a
        // config the start-up check warns about), the named ones, as the classic reference sends there.
        // In the list's order: it breaks ties between equal weights (first pick, failover order).
        const named = (from: PoolEndpoint[]) => [...new Set(own)].flatMap((n) => from.filter((e) => e.name === n));
        const preferred = named(serving);
        endpoints = preferred.length ? preferred : named(this.all);
      }
      g = { endpoints, current: endpoints.map(() => 0) };
      this.groups.set(key, g);
    }
    return g;
  }

  /** Endpoints to try for `model`, in order: the weighted pick, the other healthy ones by weight, then those marked down. */
  candidates(model: string): PoolEndpoint[] {
    const g = this.group(model);
    const n = g.endpoints.length;
    if (n <= 1) return g.endpoints;
    const now = this.clock.now();
    const healthy: number[] = [];
    const down: number[] = [];
    g.endpoints.forEach((e, i) => ((this.downUntil.get(e.name) ?? 0) > now ? down : healthy).push(i));
    let pick = -1;
    let total = 0;
    for (const i of healthy) {
      const w = g.endpoints[i].weight;
      total += w;
      g.current[i] += w;
      if (w > 0 && (pick < 0 || g.current[i] > g.current[pick])) pick = i;
    }
    if (pick >= 0) g.current[pick] -= total;
    const byWeight = (a: number, b: number) => g.endpoints[b].weight - g.endpoints[a].weight;
    const rest = healthy.filter((i) => i !== pick).sort(byWeight);
    const order = (pick >= 0 ? [pick] : []).concat(rest, down.sort(byWeight));
    return order.map((i) => g.endpoints[i]);
  }

  /** True when this failure starts an outage (the endpoint answered last time, or never was tried). */
  markDown(e: PoolEndpoint): boolean {
    this.downUntil.set(e.name, this.clock.now() + this.config.upstream.down_ms);
    if (this.failing.has(e.name)) return false;
    this.failing.add(e.name);
    return true;
  }

  /** True when this success ends an outage. */
  markUp(e: PoolEndpoint): boolean {
    if (this.downUntil.size) this.downUntil.delete(e.name);
    return this.failing.size > 0 && this.failing.delete(e.name);
  }

  /**
   * The answer when `model` has no endpoint: none configured (502), or a `models` list config where
   * none serves it: 404 model_not_found for a name the client chose (as vLLM and OpenAI answer an
   * unknown model), 502 for one routing chose (the config's fault, named at start-up).
   */
  unserved(model: string, routed: boolean): { status: number; reason: RequestErrorReason; message: string; type: string; code: string } {
    if (this.all.length === 0 || model === '') {
      return { status: 502, reason: 'upstream_unavailable', message: 'No upstream endpoint is configured for this model.', type: 'upstream_error', code: 'no_endpoint' };
    }
    if (routed) {
      return { status: 502, reason: 'upstream_unavailable', message: `No vllm_endpoints entry serves the routed model \`${model}\` (their models lists do not name it).`, type: 'upstream_error', code: 'no_endpoint' };
    }
    return { status: 404, reason: 'model_not_found', message: `The model \`${model}\` does not exist: no vllm_endpoints entry serves it.`, type: 'invalid_request_error', code: 'model_not_found' };
  }

  size(): number {
    return this.all.length;
  }
}
