// Config section owned by the extproc work; the root schema (src/config/schema.ts) composes the sections.
// The Envoy ext_proc door (runtimes/node/extproc) reads it. The reference keeps `clear_route_cache` at the
// top level of config.yaml; the root schema accepts that key too, and `extproc.clear_route_cache`, when
// set, wins (see effectiveClearRouteCache).
import { z } from 'zod';
import { yamlBool } from '../yaml-bool.ts';

const MiB = 1024 * 1024;

export const extprocSection = z
  .object({
    /** Start the gRPC server beside the HTTP gateway. */
    enabled: yamlBool().default(false),
    /** All interfaces, so a separate Envoy Deployment can reach it; the sidecar overlay sets 127.0.0.1. */
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(50051),
    /** Ask Envoy to re-pick the route after we set x-selected-model (routes keyed on that header). */
    clear_route_cache: yamlBool().optional(),
    /**
     * Largest gRPC message accepted from Envoy. A BUFFERED request body arrives in one message, so this
     * bounds the chat body; keep it at or above Envoy's per-connection buffer limit.
     */
    max_message_bytes: z.number().int().positive().default(16 * MiB),
    /**
     * Set `x-gateway-destination-endpoint` (host:port of the chosen endpoint) for Envoy setups with an
     * ORIGINAL_DST cluster, as the reference's CLASSIC envoy.yaml does.
     */
    destination_endpoint_header: z.string().min(1).default('x-gateway-destination-endpoint'),
    /** Also rewrite `:path` to /v1/chat/completions (the reference does this for aliases). */
    rewrite_path: yamlBool().default(false),
    /**
     * Envoy's filter has `allow_mode_override: true` (and sends response headers): ext_proc may then ask
     * for a streamed answer's body (STREAMED) whatever the configured response_body_mode. Used to ask a
     * streaming client's upstream for the usage chunk it then takes out of the client's stream. Without
     * it that is asked only when Envoy (>= 1.34) says its response_body_mode is STREAMED or BUFFERED.
     */
    allow_mode_override: yamlBool().default(false),
  })
  .strict();

export type ExtProcConfig = z.infer<typeof extprocSection>;

/** Section defaults when the config file has no `extproc:` block. */
export function extprocDefaults(): ExtProcConfig {
  return extprocSection.parse({});
}

/** extproc.clear_route_cache when set, else the reference's top-level key, else false. */
export function effectiveClearRouteCache(config: { clear_route_cache?: boolean; extproc?: Partial<ExtProcConfig> }): boolean {
  return config.extproc?.clear_route_cache ?? config.clear_route_cache ?? false;
}
