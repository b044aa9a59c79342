// deploy/kubernetes (issue 19 part 3): every object valid against the Kubernetes API schemas
// (kubernetes-models), and consistent with the service itself: variable names from its config schema,
// the probe paths answering on a running instance, ports matching PORT, and a shutdown budget that fits
// src/server.ts's close-with-grace delay.
import { readFileSync } from 'node:fs';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig, REQUIRED_OUTSIDE_DEV_MODE } from '../../src/config.js';
import { Browser } from '../helpers/http.js';
import { startStack, type Stack } from '../helpers/stack.js';

const DIR = 'deploy/kubernetes';
const read = (file: string): unknown => parseYaml(readFileSync(`${DIR}/${file}`, 'utf8'));
const MODELS = { ConfigMap, Service, Deployment, HorizontalPodAutoscaler, PodDisruptionBudget } as const;
const VARIABLES = new Set(CONFIG_VARIABLES.map((v) => v.name));

const kustomization = read('kustomization.yaml') as { resources: string[] };
const objects = kustomization.resources.map((file) => ({ file, object: read(file) as { kind: keyof typeof MODELS } }));
const byKind = <T>(kind: keyof typeof MODELS): T => objects.find((o) => o.object.kind === kind)!.object as T;

const deployment = byKind<Deployment>('Deployment');
const pod = deployment.spec!.template.spec!;
const container = pod.containers[0]!;
const configMap = byKind<ConfigMap>('ConfigMap');

describe('deploy/kubernetes', () => {
  it('holds one valid object of each kind, each accepted by the Kubernetes API schema', () => {
    expect(objects.map((o) => o.object.kind).sort()).toEqual(Object.keys(MODELS).sort());
    for (const { file, object } of objects) {
      const Model = MODELS[object.kind] as unknown as new (data: unknown) => { validate(): void };
      expect(() => new Model(object).validate(), file).not.toThrow();
    }
    // The schema check is real: a wrong type is refused.
    const broken = structuredClone(deployment) as unknown as { spec: { template: { spec: { terminationGracePeriodSeconds: unknown } } } };
    broken.spec.template.spec.terminationGracePeriodSeconds = 'twenty';
    expect(() => new Deployment(broken as unknown as Deployment).validate()).toThrow();
  });

  it('runs non-root on a read-only root filesystem with requests and limits', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.securityContext!.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    for (const kind of ['requests', 'limits'] as const) {
      expect(Object.keys(container.resources![kind]!).sort(), kind).toEqual(['cpu', 'memory']);
    }
  });

  it('names only variables of the config schema; secrets as *_FILE on a mounted Secret; a complete, valid configuration', () => {
    const data = configMap.data!;
    expect(Object.keys(data).filter((name) => !VARIABLES.has(name))).toEqual([]);
    const env = container.env ?? [];
    const fileVariables = env.filter((e) => e.name.endsWith('_FILE'));
    // issue 18 part 4: the *_FILE twins are schema variables themselves.
    expect(env.filter((e) => !VARIABLES.has(e.name) || !VARIABLES.has(e.name.replace(/_FILE$/, '')))).toEqual([]);
    const secretMounts = (container.volumeMounts ?? []).filter((m) => pod.volumes?.find((v) => v.name === m.name)?.secret !== undefined);
    for (const variable of fileVariables) {
      expect(
        secretMounts.some((m) => variable.value!.startsWith(`${m.mountPath}/`)),
        variable.name,
      ).toBe(true);
      expect(data[variable.name.replace(/_FILE$/, '')], `${variable.name} and its plain variable`).toBeUndefined();
    }
    const provided = new Set([...Object.keys(data), ...fileVariables.map((e) => e.name.replace(/_FILE$/, ''))]);
    expect(REQUIRED_OUTSIDE_DEV_MODE.filter((name) => !provided.has(name))).toEqual([]);
    // The ConfigMap's values parse, once the secrets (files) are there.
    const secrets = { SCAYLE_CLIENT_SECRET: 's', SCAYLE_SHOP_SECRET: 's', SESSION_ENCRYPTION_KEYS: 'k'.repeat(32) };
    const config = loadConfig({ ...data, ...secrets });
    expect(config.devMode).toBe(false);
    expect(config.session.cookieSecure).toBe(true);
  });

  it('points probes, Service, scrape annotations, PDB and HPA at the port and pods the service uses', () => {
    const port = container.ports!.find((p) => p.name === 'http')!;
    expect(port.containerPort).toBe(loadConfig({ DEV_MODE: 'true', PORT: configMap.data!.PORT }).port);
    expect(container.livenessProbe!.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe!.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(deployment.spec!.template.metadata!.annotations!['prometheus.io/port']).toBe(String(port.containerPort));
    const labels = deployment.spec!.template.metadata!.labels!;
    expect(deployment.spec!.selector.matchLabels).toEqual(labels);
    const service = byKind<Service>('Service');
    expect(service.spec!.selector).toEqual(labels);
    expect(service.spec!.ports!.map((p) => p.targetPort)).toEqual(['http']);
    expect(byKind<PodDisruptionBudget>('PodDisruptionBudget').spec!.selector!.matchLabels).toEqual(labels);
    const hpa = byKind<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
    expect(hpa.spec!.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata!.name });
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec!.replicas).toBeUndefined();
  });

  it('gives Kubernetes longer than preStop plus the graceful close of src/server.ts', () => {
    const delayMs = Number(/closeWithGrace\(\{ delay: ([\d_]+)[ ,]/.exec(readFileSync('src/server.ts', 'utf8'))![1]!.replace(/_/g, ''));
    expect(delayMs).toBeGreaterThan(0);
    const command = container.lifecycle!.preStop!.exec!.command!;
    expect(command[0]).toBe('sleep');
    const preStopSeconds = Number(command[1]);
    expect(preStopSeconds).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds!).toBeGreaterThan(preStopSeconds + delayMs / 1000);
  });
});

describe('the probe paths on a running instance', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ memory: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 200 on the liveness and readiness paths the Deployment probes', async () => {
    const browser = new Browser(stack.url);
    for (const probe of [container.livenessProbe!, container.readinessProbe!, container.startupProbe!]) {
      expect((await browser.get(probe.httpGet!.path!)).status, probe.httpGet!.path).toBe(200);
    }
  });
});
