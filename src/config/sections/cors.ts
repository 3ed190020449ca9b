// server.cors: the gateway's own CORS policy, for browser apps (a chat playground, Open WebUI's direct
// connections) calling it. Absent (the default): no policy, every request handled as before, and a
// chat preflight goes on to the engine, whose policy answers it (src/api/passthrough.ts). The
// middleware that applies it is src/api/cors.ts.
import { z } from 'zod';
import { yamlBool } from '../yaml-bool.ts';

/**
 * An origin as a browser sends it: scheme://host[:port], nothing after. A trailing slash or a path
 * (`https://app.example/`) would never equal an Origin header, so it is refused rather than matching
 * nothing. Scheme and host are compared lower-cased, as browsers serialise them.
 */
const origin = z
  .string()
  .regex(/^(\*|[a-z][a-z0-9+.-]*:\/\/[^/\s?#]+)$/i, 'an origin as a browser sends it: scheme://host[:port] with no path or trailing slash (https://app.example), or "*"')
  .transform((s) => s.toLowerCase());
const headerName = z.string().regex(/^(\*|[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/, 'a header name, or "*"').transform((s) => s.toLowerCase());

export const corsSection = z
  .object({
    /** Origins allowed to read the answers; ["*"]: any (then allow_credentials must stay false). */
    allow_origins: z.array(origin).min(1),
    /** Methods a preflight allows. */
    allow_methods: z.array(z.string().regex(/^[A-Z]+$/, 'an HTTP method in capitals (GET, POST)')).min(1).default(['GET', 'HEAD', 'POST']),
    /**
     * Request headers a preflight allows. Unset: authorization, content-type, x-request-id,
     * x-vsr-cache-control and the session header(s) (src/api/cors.ts). ["*"]: whatever the preflight
     * asks for (echoed back, which a credentialed request needs: a literal * would not cover it).
     */
    allow_headers: z.array(headerName).optional(),
    /** Answer headers a browser app may read. Unset: x-request-id and the routing/guard/cache headers. */
    expose_headers: z.array(headerName).optional(),
    /** Seconds a browser may keep a preflight's answer (Chrome keeps at most 7200). */
    max_age: z.number().int().nonnegative().default(600),
    /** Let a browser send cookies or HTTP auth (fetch's credentials: 'include') and read the answer. */
    allow_credentials: yamlBool().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.allow_credentials) return;
    // Browsers refuse a credentialed answer whose Allow-Origin or Expose-Headers is `*`: a config
    // that reads as "any site, with the user's cookies" must not load as something else.
    if (c.allow_origins.includes('*'))
      ctx.addIssue({ code: 'custom', path: ['allow_credentials'], message: 'allow_credentials: true cannot go with allow_origins: ["*"] (browsers refuse credentials for any origin); list the origins' });
    if (c.expose_headers?.includes('*'))
      ctx.addIssue({ code: 'custom', path: ['allow_credentials'], message: 'allow_credentials: true cannot go with expose_headers: ["*"] (a credentialed answer reads * as a header name); list the headers' });
  });

export type CorsConfig = z.infer<typeof corsSection>;
