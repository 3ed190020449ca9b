// k8s/components/extproc: semroute's ext_proc served to an Envoy outside the pod (Envoy Gateway, Istio),
// composed onto the gateway and gpu overlays as k8s/README.md says. Rendered (real kustomize when the
// machine has one), each object checked against its Kubernetes schema, and the wiring the guide relies
// on: the args are options the program takes and still name the mounted config, the gRPC port is the
// one they open and the headless Service lands on it, and waiting plus draining fits the grace period.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { loadConfigText } from '../../src/config/load.ts';
import { parseCli } from '../../runtimes/node/main.ts';
import { TEARDOWN_MS } from '../../runtimes/node/serve-gateway.ts';
import { liteRenderer, realKustomize, renderComposed, type K8sObject } from './helpers/k8s-render.ts';

const k8s = (p: string) => fileURLToPath(new URL(`../../k8s/${p}`, import.meta.url));
const renderer = realKustomize() ?? liteRenderer;
const guide = readFileSync(k8s('README.md'), 'utf8');

describe.each(['overlays/gateway', 'overlays/gpu'])(`%s + components/extproc (rendered with ${renderer.name})`, (overlay) => {
  const objs: K8sObject[] = renderComposed(renderer, [k8s(overlay)], [k8s('components/extproc')]);
  const dep = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'semroute')!;
  const pod = dep.spec.template;
  const app = pod.spec.containers.find((c: any) => c.name === 'semroute');
  const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'semroute-extproc')!;
  const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('semroute-config'))!;
  const config = loadConfigText(Object.values(cm.data as Record<string, string>)[0]!).config;

  it('the Deployment and the headless Service pass their Kubernetes schemas', () => {
    expect(() => new Deployment(dep as any).validate()).not.toThrow();
    expect(() => new Service(svc as any).validate()).not.toThrow();
    expect(svc.spec.clusterIP).toBe('None');
  });

  it('the args open ext_proc on the gRPC port, keep --config on the mounted file, and listen where Envoy can reach', () => {
    const { values } = parseCli(app.args);
    const grpc = app.ports.find((p: any) => p.name === 'grpc');
    expect(Number(values['extproc-port'])).toBe(grpc.containerPort);
    const mount = app.volumeMounts.find((m: any) => String(values.config).startsWith(`${m.mountPath}/`));
    expect(pod.spec.volumes.find((v: any) => v.name === mount.name).configMap.name).toBe(cm.metadata.name);
    // --host unset: ext_proc listens on extproc.host, which must not be loopback for a remote Envoy.
    expect(values.host).toBeUndefined();
    expect(config.extproc?.host ?? '0.0.0.0').toBe('0.0.0.0');
    // The other ports stay as the overlay had them.
    expect(app.ports.map((p: any) => p.name).sort()).toEqual(['grpc', 'http', 'metrics']);
  });

  it('the Service selects the pods and lands on the gRPC port, as HTTP/2 without TLS', () => {
    expect(Object.entries(svc.spec.selector).every(([k, v]) => pod.metadata.labels[k] === v)).toBe(true);
    const [port] = svc.spec.ports;
    expect(port.targetPort).toBe('grpc');
    expect(port.appProtocol).toBe('kubernetes.io/h2c');
    expect(guide).toContain(`semroute-extproc.<namespace>.svc.cluster.local:${port.port}`);
  });

  it('preStop, the drain and the teardown fit the grace period', () => {
    const waitS = Number(app.lifecycle.preStop.exec.command.at(-1));
    expect(waitS).toBeGreaterThanOrEqual(15);
    expect(waitS + (config.server.drain_timeout_ms + TEARDOWN_MS) / 1000).toBeLessThan(pod.spec.terminationGracePeriodSeconds);
    expect(guide).toContain(`waits ${waitS} s in preStop (grace period ${pod.spec.terminationGracePeriodSeconds} s)`);
  });
});

describe('k8s/README.md names the component as it is', () => {
  it('the path the guide tells to list exists, and says which overlays take it', () => {
    expect(guide).toContain('list `../../components/extproc` under `components:`');
    expect(readFileSync(k8s('components/extproc/kustomization.yaml'), 'utf8')).toMatch(/^kind: Component$/m);
  });
});
