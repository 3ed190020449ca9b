// Schemas for the model pool: endpoints, per-model config, reasoning families (vsr.md section 1.1).
import { z } from 'zod';
import { yamlBool } from './yaml-bool.ts';

/** Whether a URL can carry `address` as its host ("::1" and "[::1]" both). */
function urlHost(address: string): boolean {
  const host = address.startsWith('[') || !address.includes(':') ? address : `[${address}]`;
  try {
    new URL(`http://${host}:1/`);
    return true;
  } catch {
    return false;
  }
}

export const endpointSchema = z
  .object({
    name: z.string().min(1),
    // The reference (CLASSIC) wanted an IP; DNS names are allowed, as v0.1 does and Kubernetes needs.
    address: z
      .string()
      .min(1)
      .superRefine((a, ctx) => {
        // "http://router:8000/prefix": say what to write instead. The path is not kept: the gateway
        // sends /v1/... at the endpoint's root (a router behind a path prefix is not supported).
        const url = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:]*)(?::(\d*))?(\/[^?#]*)?/i.exec(a);
        if (url) {
          const [, scheme, host, port, path] = url;
          const keys = [`address: ${host || '<host>'}`, ...(port ? [`port: ${port}`] : []), ...(/^https?$/i.test(scheme!) ? [`scheme: ${scheme!.toLowerCase()}`] : [])];
          const prefix = path && path !== '/' ? `; a path prefix (${path}) is not supported: the endpoint must serve /v1/... at its root` : '';
          ctx.addIssue({ code: 'custom', message: `address is a host name or IP, without scheme, port or path: write ${keys.join(', ')}${prefix}` });
          return;
        }
        if (/[/\s]/.test(a)) {
          ctx.addIssue({ code: 'custom', message: 'address is a host name or IP, without scheme or path (a path prefix is not supported: the endpoint must serve /v1/... at its root)' });
          return;
        }
        // "host:8000" or "[::1]:8000": the port would be read as part of the host, and every request fail.
        // (An IPv6 address has at least two colons, so one colon outside brackets is always a port.)
        const m = /^(?:\[[^\]]*\]|[^:\[\]]+):([^:]*)$/.exec(a);
        if (m) ctx.addIssue({ code: 'custom', message: `address must not carry a port: set port: ${m[1] || '<number>'} and address without it` });
        else if (/[[\]]/.test(a) && !/^\[[0-9a-fA-F:.%\w]+\]$/.test(a)) ctx.addIssue({ code: 'custom', message: 'address: brackets only around a whole IPv6 address' });
        else if (!urlHost(a)) {
          // Both runtimes reach the endpoint through a URL: one it cannot parse failed every request
          // (502 upstream_error, a warning each time) instead of the config.
          const why = a.includes('%') ? ': an IPv6 zone id (%eth0) cannot be part of a URL' : ': not a host name, IPv4 (four numbers 0-255) or IPv6 address';
          ctx.addIssue({ code: 'custom', message: `address ${JSON.stringify(a)} cannot be reached${why}` });
        }
      })
      // "[::1]" is the URL form of an IPv6 address; the pool adds the brackets itself.
      .transform((a) => (a.startsWith('[') && a.endsWith(']') ? a.slice(1, -1) : a)),
    port: z.number().int().min(1).max(65535).default(80),
    weight: z.number().nonnegative().default(1),
    /** semroute: "https" for a TLS upstream (e.g. a Worker in front of a public Production Stack). */
    scheme: z.enum(['http', 'https']).default('http'),
    /** The reference's v0.1 key: the models this endpoint serves (unset: any model). */
    models: z.array(z.string().min(1)).optional(),
    /**
     * semroute, for scheme https (Node; the Worker's fetch trusts the public roots only): ca_file, a
     * PEM file of the CAs trusted for this endpoint instead of the public roots (an internal CA, a
     * self-signed certificate); insecure_skip_verify, any certificate accepted (tests only).
     */
    tls: z
      .object({ ca_file: z.string().min(1).optional(), insecure_skip_verify: yamlBool().default(false) })
      .strict()
      .optional(),
  })
  .passthrough();

export const piiPolicySchema = z
  .object({
    allow_by_default: yamlBool().default(true),
    pii_types_allowed: z.array(z.string()).default([]),
    /** semroute: denied types are refused ('block', the reference) or masked before forwarding ('redact'). */
    action: z.enum(['block', 'redact']).default('block'),
    /** semroute, with action 'redact': put the original values back into the answer. */
    restore: yamlBool().default(false),
  })
  .passthrough();

export const modelConfigSchema = z
  .object({
    reasoning_family: z.string().optional(),
    preferred_endpoints: z.array(z.string()).optional(),
    pii_policy: piiPolicySchema.optional(),
    pricing: z
      .object({
        currency: z.string().optional(),
        prompt_per_1m: z.number().optional(),
        completion_per_1m: z.number().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

export const reasoningFamilySchema = z
  .object({
    // top_level_reasoning_effort: the reference's newer name for an effort in a top-level field (its
    // reasoning_effort type moved into chat_template_kwargs for vLLM); off sends only the client's own.
    type: z.enum(['chat_template_kwargs', 'reasoning_effort', 'top_level_reasoning_effort']),
    parameter: z.string().min(1),
  })
  .passthrough();

export type Endpoint = z.infer<typeof endpointSchema>;
export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type ReasoningFamily = z.infer<typeof reasoningFamilySchema>;
