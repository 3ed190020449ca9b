// Renders every overlay in k8s/ and checks the result: each object against the Kubernetes schemas
// (kubernetes-models' validators, generated from the Kubernetes OpenAPI), the wiring between objects
// (selectors, named ports, ConfigMap references, probes), each semroute config with the real loader,
// and the sidecar's Envoy config (filter, clusters, routes, limits).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { loadConfigText } from '../../src/config/load.ts';
import { extprocSection } from '../../src/config/sections/extproc.ts';
import { parseCli } from '../../runtimes/node/main.ts';
import { TEARDOWN_MS } from '../../runtimes/node/serve-gateway.ts';
import { liteRenderer, realKustomize, renderComposed, type K8sObject } from './helpers/k8s-render.ts';

const root = fileURLToPath(new URL('../../k8s/', import.meta.url));
const real = realKustomize();
const renderer = real ?? liteRenderer;
const OVERLAYS = ['base', 'overlays/gateway', 'overlays/sidecar', 'overlays/gpu'];

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

const rendered = new Map<string, K8sObject[]>(OVERLAYS.map((o) => [o, renderer.render(root + o)]));
const one = (objs: K8sObject[], kind: string, name?: string) => {
  const found = objs.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
  expect(found, `${kind}${name ? `/${name}` : ''}`).toHaveLength(1);
  return found[0]!;
};
const podSpec = (objs: K8sObject[]) => one(objs, 'Deployment', 'semroute').spec.template.spec;
const container = (objs: K8sObject[], name: string) => podSpec(objs).containers.find((c: any) => c.name === name);
const configOf = (objs: K8sObject[], cmPrefix = 'semroute-config') => {
  const vol = podSpec(objs).volumes.find((v: any) => v.configMap?.name?.startsWith(cmPrefix));
  const cm = one(objs, 'ConfigMap', vol.configMap.name);
  return Object.values(cm.data as Record<string, string>)[0]!;
};
const subset = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels?.[k] === v);
const durationMs = (d: string) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
};

describe(`k8s manifests (rendered with ${renderer.name})`, () => {
  it.each(OVERLAYS)('%s: every object passes its Kubernetes schema', (overlay) => {
    const objs = rendered.get(overlay)!;
    expect(objs.length).toBeGreaterThanOrEqual(6);
    for (const o of objs) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `no schema for ${o.apiVersion}/${o.kind}`).toBeDefined();
      expect(() => new Model!(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
  });

  it('the schema check is not a rubber stamp', () => {
    const d = structuredClone(one(rendered.get('base')!, 'Deployment'));
    d.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(d).validate()).toThrow(/containerPort/);
  });

  it.each(OVERLAYS)('%s: objects are wired to each other', (overlay) => {
    const objs = rendered.get(overlay)!;
    const dep = one(objs, 'Deployment', 'semroute');
    const pod = dep.spec.template;
    expect(subset(dep.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    const svc = one(objs, 'Service', 'semroute');
    expect(subset(svc.spec.selector, pod.metadata.labels)).toBe(true);
    const portNames = new Set(pod.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name)));
    for (const p of svc.spec.ports) expect(portNames.has(p.targetPort), `Service port ${p.name} -> ${p.targetPort}`).toBe(true);
    expect(subset(one(objs, 'PodDisruptionBudget').spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    const hpa = one(objs, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'semroute' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(one(objs, 'PodDisruptionBudget').spec.minAvailable + 1);
    expect(pod.spec.serviceAccountName).toBe(one(objs, 'ServiceAccount').metadata.name);
    // Every ConfigMap a volume names is rendered (kustomize rewrote the hashed names consistently).
    for (const v of pod.spec.volumes.filter((x: any) => x.configMap)) one(objs, 'ConfigMap', v.configMap.name);

    const app = container(objs, 'semroute');
    expect(app.startupProbe.httpGet).toMatchObject({ path: '/health', port: 'http' });
    expect(app.livenessProbe.httpGet).toMatchObject({ path: '/health', port: 'http' });
    expect(app.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 'http' });
    expect(app.resources.requests.cpu).toBeDefined();
    expect(app.resources.limits.memory).toBeDefined();
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    // The args are options the program takes (the image's ENTRYPOINT runs dist/semroute.mjs with them).
    expect(() => parseCli(app.args), `${overlay} args ${app.args.join(' ')}`).not.toThrow();
    // Every env var is one something reads: Node itself, or semroute (LOG_LEVEL: logger.ts,
    // SEMROUTE_EXTPROC_PROTO_DIR: extproc/proto.ts), or glibc's malloc (runtimes/node/malloc-env.ts).
    // A variable the config names (semantic_cache.redis.url_env) is read too.
    const urlEnv = loadConfigText(configOf(objs)).config.semantic_cache?.redis.url_env;
    const readers = new Set(['NODE_OPTIONS', 'NODE_ENV', 'LOG_LEVEL', 'SEMROUTE_EXTPROC_PROTO_DIR', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', ...(urlEnv ? [urlEnv] : [])]);
    for (const e of app.env ?? []) expect(readers.has(e.name), `${overlay} env ${e.name}`).toBe(true);
    // --config points into the config volume's mount.
    const cfgPath = app.args[app.args.indexOf('--config') + 1];
    const mount = app.volumeMounts.find((m: any) => cfgPath.startsWith(`${m.mountPath}/`));
    expect(pod.spec.volumes.find((v: any) => v.name === mount.name).configMap.name).toMatch(/^semroute-config-/);

    // The config loads with semroute's own loader, and the ports it names are the ones exposed.
    const { config, warnings } = loadConfigText(configOf(objs), `${overlay} config.yaml`);
    expect(warnings).toEqual([]);
    const httpPort = app.ports.find((p: any) => p.name === 'http').containerPort;
    const metricsPort = app.ports.find((p: any) => p.name === 'metrics').containerPort;
    expect(config.server.port).toBe(httpPort);
    expect(config.observability?.metrics?.port).toBe(metricsPort);
    expect(pod.metadata.annotations['prometheus.io/port']).toBe(String(metricsPort));
    expect(config.vllm_endpoints.map((e) => `${e.address}:${e.port}`)).toEqual(['vllm-router-service:80']);
  });

  it('overlay configs differ from the base config only where their shape needs it', () => {
    const base = parseYaml(configOf(rendered.get('base')!));
    const sidecar = parseYaml(configOf(rendered.get('overlays/sidecar')!));
    const gpu = parseYaml(configOf(rendered.get('overlays/gpu')!));
    expect(parseYaml(configOf(rendered.get('overlays/gateway')!))).toEqual(base);
    const { extproc, ...sidecarRest } = sidecar;
    expect(sidecarRest).toEqual(base);
    expect(extproc).toMatchObject({ enabled: true, host: '127.0.0.1' });
    expect(gpu).toEqual({ ...base, device: 'cuda' });
  });

  it.each(OVERLAYS)('%s: a rollout drains: every container waits in preStop while its endpoint is removed, and waiting plus draining fits the grace period', (overlay) => {
    // Before: no preStop, so traffic still routed to a terminating pod met refused connections
    // (semroute) or cut requests (Envoy closes its listeners at SIGTERM).
    const objs = rendered.get(overlay)!;
    const spec = podSpec(objs);
    const drainMs = loadConfigText(configOf(objs)).config.server.drain_timeout_ms;
    for (const c of spec.containers) {
      const pre = c.lifecycle?.preStop;
      const waitS = pre?.sleep?.seconds ?? Number(pre?.exec?.command?.at(-1));
      expect(waitS, `${c.name} preStop`).toBeGreaterThanOrEqual(5);
      // semroute: the drain, then its bounded teardown (runtimes/node/main.ts), before it exits 0.
      const after = c.name === 'semroute' ? (drainMs + TEARDOWN_MS) / 1000 : 0;
      expect(waitS + after, c.name).toBeLessThan(spec.terminationGracePeriodSeconds);
    }
  });

  it('sidecar: semroute waits in preStop at least as long as Envoy, so ext_proc answers while Envoy takes traffic', () => {
    // Once semroute has SIGTERM its ext_proc server refuses new streams (GOAWAY, then ECONNREFUSED:
    // operator audit, a real process and gRPC client). Envoy keeps serving its clients' keep-alive
    // connections through its own preStop, and with failure_mode_allow each request in that window went
    // upstream unrouted ("model": "MoM"): semroute's 5 s wait against Envoy's 25 s left 20 s of them.
    const objs = rendered.get('overlays/sidecar')!;
    const wait = (c: any) => c.lifecycle?.preStop?.sleep?.seconds ?? Number(c.lifecycle?.preStop?.exec?.command?.at(-1));
    expect(wait(container(objs, 'semroute'))).toBeGreaterThanOrEqual(wait(container(objs, 'envoy')));
  });

  it('sidecar: Envoy sits in the pod, the Service lands on it, and its config wires ext_proc to semroute', () => {
    const objs = rendered.get('overlays/sidecar')!;
    const envoy = container(objs, 'envoy');
    expect(envoy.image).toMatch(/^envoyproxy\/envoy:v\d+\.\d+\.\d+$/);
    const proxyPort = envoy.ports.find((p: any) => p.name === 'proxy').containerPort;
    expect(one(objs, 'Service', 'semroute').spec.ports.find((p: any) => p.port === 80).targetPort).toBe('proxy');

    const extproc = extprocSection.parse(parseYaml(configOf(objs)).extproc);
    const bootstrap = parseYaml(configOf(objs, 'semroute-envoy'));
    const listener = bootstrap.static_resources.listeners[0];
    expect(listener.address.socket_address.port_value).toBe(proxyPort);
    expect(envoy.args).toEqual(expect.arrayContaining(['-c', `${envoy.volumeMounts[0].mountPath}/envoy.yaml`]));
    const hcm = listener.filter_chains[0].filters.find((f: any) => f.name === 'envoy.filters.network.http_connection_manager').typed_config;
    const filters = hcm.http_filters;
    expect(filters.at(-1).name).toBe('envoy.filters.http.router');
    const ext = filters.find((f: any) => f.name === 'envoy.filters.http.ext_proc').typed_config;
    expect(ext['@type']).toBe('type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor');
    expect(ext.failure_mode_allow).toBe(true);
    expect(durationMs(ext.message_timeout)).toBeGreaterThan(200);
    expect(durationMs(ext.message_timeout)).toBeLessThanOrEqual(durationMs(ext.grpc_service.timeout));
    expect(ext.processing_mode).toMatchObject({ request_header_mode: 'SEND', request_body_mode: 'BUFFERED', response_header_mode: 'SEND' });
    expect(ext.allow_mode_override).toBe(true);

    const clusters = Object.fromEntries(bootstrap.static_resources.clusters.map((c: any) => [c.name, c]));
    const addr = (c: any) => c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    const grpcCluster = clusters[ext.grpc_service.envoy_grpc.cluster_name];
    expect(addr(grpcCluster)).toEqual({ address: extproc.host, port_value: extproc.port });
    expect(grpcCluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config).toHaveProperty('http2_protocol_options');

    // Every route targets a defined cluster; the catch-all goes to the router Service semroute's config names.
    const routes = hcm.route_config.virtual_hosts.flatMap((v: any) => v.routes);
    for (const r of routes.filter((x: any) => x.route)) expect(clusters[r.route.cluster], r.route.cluster).toBeDefined();
    const catchAll = routes.find((r: any) => r.match.prefix === '/');
    const endpoint = loadConfigText(configOf(objs)).config.vllm_endpoints[0]!;
    expect(addr(clusters[catchAll.route.cluster])).toEqual({ address: endpoint.address, port_value: endpoint.port });
    expect(catchAll.route.timeout).toBe('0s');

    // Buffer limits raised above Envoy's 1 MiB default, and no larger than the gRPC message ext_proc accepts.
    expect(listener.per_connection_buffer_limit_bytes).toBeGreaterThan(1 << 20);
    expect(listener.per_connection_buffer_limit_bytes).toBeLessThanOrEqual(extproc.max_message_bytes);
    // ext_proc refuses a chat body over server.max_body_bytes (413) whatever Envoy buffers: a smaller cap
    // than Envoy's must be said where the buffer limit is (new-user pass: it read as the request limit).
    const maxBody = loadConfigText(configOf(objs)).config.server.max_body_bytes;
    if (maxBody < listener.per_connection_buffer_limit_bytes) expect(configOf(objs, 'semroute-envoy')).toMatch(/server\.max_body_bytes[^]{0,200}\b413\b/);
    // Envoy's readiness path is answered by Envoy itself.
    expect(routes.find((r: any) => r.match.path === envoy.readinessProbe.httpGet.path).direct_response.status).toBe(200);
  });

  it('gpu: CUDA image, one nvidia.com/gpu, device cuda', () => {
    const objs = rendered.get('overlays/gpu')!;
    const app = container(objs, 'semroute');
    expect(app.image).toMatch(/^semroute-cuda:/);
    expect(app.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(app.resources.requests['nvidia.com/gpu']).toBe(1);
    expect(loadConfigText(configOf(objs)).config.device).toBe('cuda');
    expect(podSpec(objs).tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'nvidia.com/gpu' })]));
  });

  it('components/monitoring adds a valid ServiceMonitor that selects the Service and scrapes its metrics port', () => {
    const objs = renderComposed(renderer, [root + 'overlays/gateway'], [root + 'components/monitoring']);
    const sm = one(objs, 'ServiceMonitor', 'semroute');
    expect(() => new ServiceMonitor(sm as any).validate()).not.toThrow();
    const svc = one(objs, 'Service', 'semroute');
    expect(subset(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true);
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
  });

  it.runIf(real !== undefined)('kustomize-lite (the fallback renderer) agrees with the real kustomize', () => {
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
    for (const overlay of OVERLAYS) {
      const lite = new Map(liteRenderer.render(root + overlay).map((o) => [key(o), o]));
      const ref = new Map(rendered.get(overlay)!.map((o) => [key(o), o]));
      expect([...lite.keys()].sort(), overlay).toEqual([...ref.keys()].sort());
      for (const [k, o] of ref) expect(lite.get(k), `${overlay} ${k}`).toEqual(o);
    }
  });
});

describe('Dockerfiles', () => {
  const read = (f: string) => readFileSync(fileURLToPath(new URL(`../../${f}`, import.meta.url)), 'utf8');
  const instructions = (text: string) =>
    text
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const [op, ...rest] = l.split(/\s+/);
        return { op: op!.toUpperCase(), args: rest.join(' ') };
      });
  const KNOWN = new Set(['FROM', 'RUN', 'COPY', 'ENV', 'ARG', 'WORKDIR', 'USER', 'EXPOSE', 'ENTRYPOINT', 'CMD', 'LABEL', 'HEALTHCHECK']);

  it.each(['Dockerfile', 'Dockerfile.cuda'])('%s: known instructions, pinned bases, non-root, production deps, models and protos baked in', (file) => {
    const ins = instructions(read(file));
    for (const i of ins) expect(KNOWN.has(i.op), `${file}: ${i.op}`).toBe(true);
    const froms = ins.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f.args, 'base images carry a tag').toMatch(/^\S+:\S+/);
    const runtimeStage = ins.slice(ins.lastIndexOf(froms.at(-1)!));
    const users = runtimeStage.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/);
    // Production dependencies only: installed in the runtime stage, or in a stage whose node_modules it copies.
    expect(ins.some((i) => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    const prodDeps = (i: { op: string; args: string }) =>
      (i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args)) || (i.op === 'COPY' && /--from=\S+ \S*node_modules/.test(i.args));
    expect(runtimeStage.some(prodDeps)).toBe(true);
    expect(ins.some((i) => i.op === 'RUN' && /npm ci\b/.test(i.args) && !/--omit=dev/.test(i.args) && runtimeStage.includes(i))).toBe(false);
    expect(runtimeStage.some((i) => i.op === 'COPY' && /\bmodels\b/.test(i.args))).toBe(true);
    expect(runtimeStage.some((i) => i.op === 'COPY' && /extproc\/proto/.test(i.args))).toBe(true);
    const entry = [...runtimeStage].reverse().find((i) => i.op === 'ENTRYPOINT')!;
    expect(JSON.parse(entry.args)[0]).toBe('node');
    expect(runtimeStage.filter((i) => i.op === 'EXPOSE').map((i) => i.args).join(' ')).toMatch(/8801/);
  });

  it.each(['Dockerfile', 'Dockerfile.cuda'])('%s: ENTRYPOINT runs the file `npm run build` writes, CMD and the k8s args are options it takes, and the paths they and the configs name are in the image', (file) => {
    const ins = instructions(read(file));
    const runtimeStage = ins.slice(ins.lastIndexOf(ins.filter((i) => i.op === 'FROM').at(-1)!));
    const workdir = runtimeStage.find((i) => i.op === 'WORKDIR')!.args;
    const [node, script] = JSON.parse(runtimeStage.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    expect(node).toBe('node');
    // build.mjs writes the entry there, and the runtime stage copies the build's dist/ into WORKDIR.
    expect(read('runtimes/node/build.mjs')).toContain(`\`\${root}${script}\``);
    expect(runtimeStage.some((i) => i.op === 'COPY' && /^--from=build \/src\/dist \.\/dist$/.test(i.args))).toBe(true);
    // Where COPY puts a path of the build context, relative to WORKDIR.
    const copied = (dest: string) =>
      runtimeStage.some((i) => i.op === 'COPY' && !i.args.startsWith('--from') && [dest, `./${dest}`].includes(i.args.split(/\s+/).at(-1)!));
    const cmd = JSON.parse(runtimeStage.find((i) => i.op === 'CMD')!.args) as string[];
    expect(() => parseCli(cmd)).not.toThrow();
    const cmdConfig = cmd[cmd.indexOf('--config') + 1]!;
    expect(cmdConfig.startsWith(`${workdir}/`)).toBe(true);
    expect(copied(cmdConfig.slice(workdir.length + 1))).toBe(true);
    // The image's config loads, and its packs folder (relative to WORKDIR) is the models/ COPY'd in.
    expect(loadConfigText(read(cmdConfig.slice(workdir.length + 1))).config.packs.dir).toBe('models');
    expect(copied('models')).toBe(true);
    // Each overlay's config names the image's packs folder; its args parse.
    for (const overlay of OVERLAYS) {
      const objs = rendered.get(overlay)!;
      expect(loadConfigText(configOf(objs)).config.packs.dir, overlay).toBe(`${workdir}/models`);
      expect(() => parseCli(container(objs, 'semroute').args)).not.toThrow();
    }
  });

  it('the CPU image skips the onnxruntime-node CUDA download; the CUDA image installs the CUDA provider at build time', () => {
    expect(read('Dockerfile')).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    const cuda = read('Dockerfile.cuda');
    expect(cuda).toMatch(/FROM nvidia\/cuda:12\.\S+-cudnn-runtime/);
    expect(cuda).toMatch(/onnxruntime-node-install=cuda12|ONNXRUNTIME_NODE_INSTALL=cuda12/);
    expect(cuda).toMatch(/libonnxruntime_providers_cuda\.so/);
  });

  it('.dockerignore keeps local installs, VCS data and tests out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', '.git', 'test']) expect(ignored).toContain(p);
  });
});
