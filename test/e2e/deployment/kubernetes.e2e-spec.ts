import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { REPO_ROOT, configurationTableVariables, readme } from '../../support/readme';

/**
 * deploy/kubernetes/, validated offline: every manifest against the Kubernetes API schema of its kind
 * (kubernetes-models: validators compiled with ajv from the Kubernetes OpenAPI definitions), then what a schema
 * cannot say: probes on paths the gateway serves, selectors that select, env names the gateway documents, the
 * grace period above the shutdown budget, the hardening.
 */
const DIR = join(REPO_ROOT, 'deploy/kubernetes');
type Manifest = Record<string, any>;
const MODELS: Record<string, { validate(): void } & (new (data: any) => { validate(): void })> = {
  'v1/ConfigMap': ConfigMap as any,
  'v1/Secret': Secret as any,
  'v1/Service': Service as any,
  'v1/ServiceAccount': ServiceAccount as any,
  'apps/v1/Deployment': Deployment as any,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as any,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as any,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as any,
};

function load(dir: string): Array<{ file: string; manifest: Manifest }> {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
        if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
        return { file, manifest: doc.toJS() as Manifest };
      }),
    );
}

/** Throws with the schema's complaint when the manifest is not a valid object of its kind. */
function validate(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}: add it to MODELS`);
  new Model(manifest).validate();
}

const manifests = [...load(DIR), ...load(join(DIR, 'examples'))];
const byKind = (kind: string): Manifest => {
  const found = manifests.filter((m) => m.manifest.kind === kind);
  expect(found).toHaveLength(1);
  return found[0].manifest;
};
const deployment = byKind('Deployment');
const pod = deployment.spec.template.spec;
const [container] = pod.containers;
const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
const selects = (selector: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => podLabels[k] === v) && Object.keys(selector).length > 0;

describe('deploy/kubernetes', () => {
  it('holds the kinds an operator needs, the Secret only as an example', () => {
    expect(manifests.map((m) => `${m.file}: ${m.manifest.kind}`).sort()).toEqual([
      'configmap.yaml: ConfigMap',
      'deployment.yaml: Deployment',
      'horizontalpodautoscaler.yaml: HorizontalPodAutoscaler',
      'networkpolicy.yaml: NetworkPolicy',
      'poddisruptionbudget.yaml: PodDisruptionBudget',
      'secret.yaml: Secret',
      'service.yaml: Service',
      'serviceaccount.yaml: ServiceAccount',
    ]);
    expect(load(DIR).some((m) => m.manifest.kind === 'Secret')).toBe(false); // `kubectl apply -f` never applies it
  });

  it.each(manifests.map((m) => [`${m.file} (${m.manifest.kind})`, m.manifest]))(
    '%s is valid against the Kubernetes schema',
    (_name, manifest) => {
      expect(() => validate(manifest)).not.toThrow();
    },
  );

  it.each([
    ['replicas as a string', (d: Manifest) => (d.spec.replicas = 'two')],
    [
      'a port number as a string',
      (d: Manifest) => (d.spec.template.spec.containers[0].ports[0].containerPort = '3000'),
    ],
    ['no containers', (d: Manifest) => delete d.spec.template.spec.containers],
    [
      'a probe without a port',
      (d: Manifest) => delete d.spec.template.spec.containers[0].livenessProbe.httpGet.port,
    ],
  ])('refuses a deliberately broken Deployment: %s', (_name, breakIt) => {
    const broken = structuredClone(deployment);
    breakIt(broken);
    expect(() => validate(broken)).toThrow();
  });

  it('probes liveness on /healthz and readiness on a path the gateway serves, on the app port', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(['/healthz', '/readyz']).toContain(container.readinessProbe.httpGet.path);
    expect(container.ports).toContainEqual({ name: 'http', containerPort: 3000, protocol: 'TCP' });
  });

  it('lets Prometheus scrape /metrics on a port of its own, which neither the Service nor the ingress reaches', () => {
    const metricsPort = Number(byKind('ConfigMap').data.METRICS_PORT);
    expect(metricsPort).toBeGreaterThan(0);
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 3000, protocol: 'TCP' },
      { name: 'metrics', containerPort: metricsPort, protocol: 'TCP' },
    ]);
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(metricsPort),
      'prometheus.io/path': '/metrics',
    });
    const policy = byKind('NetworkPolicy').spec;
    const onPort = (name: string) =>
      policy.ingress.filter((rule: Manifest) => rule.ports.some((p: Manifest) => p.port === name));
    // The monitoring namespace on the metrics port only; the ingress controller on the app port only.
    expect(policy.ingress).toHaveLength(2);
    expect(onPort('metrics')).toHaveLength(1);
    expect(onPort('metrics')[0].ports).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
    expect(onPort('metrics')[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    expect(byKind('Service').spec.ports.map((p: Manifest) => p.targetPort)).toEqual(['http']);
  });

  it('runs 2+ replicas hardened: non-root, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(byKind('ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(container.resources.requests).toEqual(
      expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
    );
    expect(container.resources.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('mounts the credentials Secret as files the *_FILE variable points at', () => {
    const mount = container.volumeMounts.find((m: Manifest) => m.name === 'credentials');
    expect(mount.readOnly).toBe(true);
    const volume = pod.volumes.find((v: Manifest) => v.name === 'credentials');
    const secret = byKind('Secret');
    expect(volume.secret.secretName).toBe(secret.metadata.name);
    const file = container.env.find((e: Manifest) => e.name === 'AZURE_CLIENT_SECRET_FILE').value as string;
    expect(file.startsWith(`${mount.mountPath}/`)).toBe(true);
    expect(Object.keys(secret.stringData)).toContain(file.slice(mount.mountPath.length + 1));
    // The example holds a placeholder, and no inline secret reaches the environment.
    expect(Object.values(secret.stringData).every((v) => /^REPLACE-/.test(String(v)))).toBe(true);
    expect(container.env.map((e: Manifest) => e.name)).not.toContain('AZURE_CLIENT_SECRET');
  });

  it('sets only environment variables the README documents', () => {
    const documented = new Set(configurationTableVariables());
    const configMap = byKind('ConfigMap');
    expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    const names = [...Object.keys(configMap.data), ...container.env.map((e: Manifest) => e.name)];
    expect(names.filter((name) => !documented.has(name))).toEqual([]);
    expect(readme()).toContain('deploy/kubernetes');
  });

  it('gives in-flight requests more time than the gateway takes to shut down', () => {
    const configured = byKind('ConfigMap').data.SHUTDOWN_TIMEOUT_MS;
    // Issue 9: the production defaults (5 s drain + 25 s) are 30 s, Kubernetes' default grace: the pod needs more.
    const shutdownMs = configured === undefined ? 30_000 : Number(configured);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownMs);
  });

  it('selects the gateway pods from the Service, the PDB, the HPA and the NetworkPolicy', () => {
    const service = byKind('Service');
    expect(selects(service.spec.selector)).toBe(true);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    expect(selects(byKind('PodDisruptionBudget').spec.selector.matchLabels)).toBe(true);
    expect(byKind('PodDisruptionBudget').spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(selects(byKind('NetworkPolicy').spec.podSelector.matchLabels)).toBe(true);
  });

  it('lets traffic in only from the ingress on the app port, and out only to DNS, 443 and Redis (6379, 6380)', () => {
    const policy = byKind('NetworkPolicy').spec;
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    const fromIngress = policy.ingress.filter((rule: Manifest) =>
      rule.ports.some((p: Manifest) => p.port === 'http'),
    );
    expect(fromIngress).toHaveLength(1);
    expect(fromIngress[0].ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
    expect(fromIngress[0].from).toHaveLength(1);
    const egressPorts = policy.egress.flatMap((rule: Manifest) =>
      rule.ports.map((p: Manifest) => `${p.port}/${p.protocol}`),
    );
    expect(egressPorts.sort()).toEqual(['443/TCP', '53/TCP', '53/UDP', '6379/TCP', '6380/TCP']);
  });

  it("lets the gateway out to the README's REDIS_URL example, Azure Cache for Redis with TLS on its own port", () => {
    const example = /`(rediss:\/\/[^`]+)`/.exec(readme())?.[1];
    expect(example).toBeDefined();
    const port = Number(new URL(example!).port);
    const policy = byKind('NetworkPolicy').spec;
    // A managed Redis lives outside the cluster: a rule for that port to any destination, as for 443.
    const open = policy.egress.filter(
      (rule: Manifest) =>
        rule.to === undefined && rule.ports.some((p: Manifest) => p.port === port && p.protocol === 'TCP'),
    );
    expect({ port, rules: open.length }).toEqual({ port, rules: 1 });
  });
});
