import { createHash } from 'node:crypto';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { stringify } from 'yaml';
import { InvalidInputError } from '../../errors.js';
import type { ScoreContainer, ScoreProbe, ScoreResourceLimits, ScoreServicePort, ScoreWorkload } from '../score/score-workload.js';

export interface KubernetesRenderInput {
  /** Placeholders already substituted (`${resources...}` resolved); file `source`s already read into `content`. */
  workload: ScoreWorkload;
  /** The environment, e.g. `dev`; also the namespace. */
  environment: string;
  /** Container name → image reference (the caller resolves Score's `image: .`). */
  images: Record<string, string>;
  /** The Ingress host, e.g. `checkout.dev.example.com`; an Ingress is rendered only with a host and a TCP service port. */
  host: string;
  /** Container name → names of its variables whose values are secrets: they go in a Secret, the others in a ConfigMap. */
  secretVariables: Record<string, string[]>;
  /** Manifests emitted by provisioners, passed through unchanged. */
  resourceManifests: object[];
  /** Extra labels on every rendered object and pod, e.g. `paved.dev/deployment`. */
  labels?: Record<string, string>;
}

/** A Kubernetes object as JSON, the only fields Paved relies on typed. */
export interface KubernetesManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderedFile {
  path: string;
  content: string;
}

export interface RenderedManifests {
  manifests: object[];
  /** One YAML file per manifest, plus `kustomization.yaml` listing them; paths relative to the workload's folder. */
  files: RenderedFile[];
}

export const MANAGED_BY = 'paved';
/** Changes when any ConfigMap or Secret content changes, so the pods roll: env and files read them only at start. */
export const CONFIG_HASH_ANNOTATION = 'paved.dev/config-hash';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
/** What Kubernetes accepts as an environment variable name that is also a ConfigMap/Secret key. */
const VARIABLE_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const FILE_MODE = /^0?[0-7]{3}$/;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * An RFC 1035 label (what a Service name must be, and so good for every kind) from any text:
 * lower-cased, other characters as `-`, starting with a letter, at most `max` characters. When
 * that changed the text, a hash of the original keeps two different texts from colliding.
 */
function dnsLabelFrom(text: string, max = 63): string {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const lettered = /^[a-z]/.test(cleaned) ? cleaned : `w-${cleaned}`;
  if (lettered === text && text.length <= max) return text;
  return `${lettered.slice(0, max - 9).replace(/-+$/, '')}-${shortHash(text)}`;
}

function invalid(code: string, path: string, message: string, hint?: string): never {
  throw new InvalidInputError(code, message, { path, ...(hint ? { hint } : {}) });
}

/**
 * Kubernetes expands `$(NAME)` and turns `$$` into `$` in command and args; Score does neither, so
 * those are escaped and the command runs exactly as written under every runtime.
 */
function literalForKubernetes(text: string): string {
  return text.replace(/\$(?=[($])/g, '$$$$');
}

function fileMode(mode: string | undefined, path: string): number | undefined {
  if (mode === undefined) return undefined;
  if (!FILE_MODE.test(mode)) invalid('delivery.invalid_file_mode', path, `"${mode}" is not an octal file mode`, 'Write it like "0644" or "600".');
  return Number.parseInt(mode, 8);
}

function resourceList(limits: ScoreResourceLimits | undefined): Record<string, string> | undefined {
  if (!limits) return undefined;
  const list: Record<string, string> = {};
  if (limits.cpu !== undefined) list.cpu = limits.cpu;
  if (limits.memory !== undefined) list.memory = limits.memory;
  return Object.keys(list).length > 0 ? list : undefined;
}

/** Kubernetes takes one handler per probe; when Score gives both, httpGet is the one kept. */
function probe(score: ScoreProbe | undefined): IProbe | undefined {
  if (score?.httpGet) {
    const { path, port, host, scheme, httpHeaders } = score.httpGet;
    return { httpGet: { path, port, ...(host ? { host } : {}), ...(scheme ? { scheme } : {}), ...(httpHeaders?.length ? { httpHeaders } : {}) } };
  }
  if (score?.exec) return { exec: { command: score.exec.command } };
  return undefined;
}

/** What the pod needs besides its containers, gathered while the containers are rendered. */
interface PodParts {
  configData: Record<string, string>;
  secretData: Record<string, string>;
  fileData: Record<string, string>;
  binaryFileData: Record<string, string>;
  fileItems: { key: string; path: string; mode?: number }[];
  binaryFileItems: { key: string; path: string; mode?: number }[];
  claimVolumes: Map<string, IVolume>;
}

function renderContainer(name: string, container: ScoreContainer, input: KubernetesRenderInput, names: ObjectNames, parts: PodParts): IContainer {
  const base = `containers.${name}`;
  const image = input.images[name] ?? container.image;
  if (!image || image === '.') invalid('delivery.image_unresolved', `${base}.image`, `Container ${name} has no image to run: "image: ." needs the image built for it`);
  const secret = new Set(input.secretVariables[name] ?? []);

  // Values come from a ConfigMap or Secret rather than inline `value`s, so Kubernetes never
  // expands `$(...)` in them and secret values never appear in the Deployment.
  const env: IEnvVar[] = Object.entries(container.variables ?? {}).map(([variable, value]) => {
    if (!VARIABLE_NAME.test(variable)) invalid('delivery.invalid_variable_name', `${base}.variables.${variable}`, `"${variable}" is not a name Kubernetes accepts for an environment variable`);
    const key = `${name}.${variable}`;
    if (secret.has(variable)) {
      parts.secretData[key] = Buffer.from(value, 'utf8').toString('base64');
      return { name: variable, valueFrom: { secretKeyRef: { name: names.env, key } } };
    }
    parts.configData[key] = value;
    return { name: variable, valueFrom: { configMapKeyRef: { name: names.env, key } } };
  });

  // Each file is one key of a shared ConfigMap (or Secret, for binary content), mounted alone with
  // subPath: mounting whole folders would hide what the image has next to the file.
  const mounts: IVolumeMount[] = Object.entries(container.files ?? {}).map(([target, file], index) => {
    const path = `${base}.files.${target}`;
    const key = `${name}.${index}`;
    const mode = fileMode(file.mode, `${path}.mode`);
    const item = { key, path: key, ...(mode !== undefined ? { mode } : {}) };
    if (file.binaryContent !== undefined) {
      parts.binaryFileData[key] = file.binaryContent;
      parts.binaryFileItems.push(item);
      return { name: 'binary-files', mountPath: target, subPath: key, readOnly: true };
    }
    if (file.content === undefined) {
      invalid('delivery.file_content_missing', `${path}.source`, `File ${target} of container ${name} has no content`, 'A file given by `source` must be read into `content` before rendering.');
    }
    parts.fileData[key] = file.content;
    parts.fileItems.push(item);
    return { name: 'files', mountPath: target, subPath: key, readOnly: true };
  });

  for (const [target, volume] of Object.entries(container.volumes ?? {})) {
    if (!DNS_SUBDOMAIN.test(volume.source)) {
      invalid('delivery.invalid_volume_source', `${base}.volumes.${target}.source`, `"${volume.source}" is not the name of a PersistentVolumeClaim`);
    }
    // One pod volume per claim, however many containers or paths mount it.
    const volumeName = `volume-${dnsLabelFrom(volume.source, 56)}`;
    if (!parts.claimVolumes.has(volume.source)) parts.claimVolumes.set(volume.source, { name: volumeName, persistentVolumeClaim: { claimName: volume.source } });
    // subPath is relative to the volume: Score's `/sub/path` means `sub/path` in it.
    const subPath = volume.path?.replace(/^\/+/, '');
    mounts.push({ name: volumeName, mountPath: target, ...(subPath ? { subPath } : {}), ...(volume.readOnly ? { readOnly: true } : {}) });
  }

  const resources: IResourceRequirements = {};
  const limits = resourceList(container.resources?.limits);
  const requests = resourceList(container.resources?.requests);
  if (limits) resources.limits = limits;
  if (requests) resources.requests = requests;
  const livenessProbe = probe(container.livenessProbe);
  const readinessProbe = probe(container.readinessProbe);

  return {
    name,
    image,
    ...(container.command ? { command: container.command.map(literalForKubernetes) } : {}),
    ...(container.args ? { args: container.args.map(literalForKubernetes) } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(limits || requests ? { resources } : {}),
    ...(livenessProbe ? { livenessProbe } : {}),
    ...(readinessProbe ? { readinessProbe } : {}),
    ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
  };
}

interface ObjectNames {
  workload: string;
  env: string;
  files: string;
}

function namesFor(workloadName: string): ObjectNames {
  const workload = dnsLabelFrom(workloadName);
  return { workload, env: `${workload}-env`, files: `${workload}-files` };
}

function yamlFile(path: string, manifest: object, header: string): RenderedFile {
  // No aliases: the same labels object appears in many places, and `&a`/`*a` would only confuse readers.
  return { path, content: `${header}${stringify(manifest, { lineWidth: 0, aliasDuplicateObjects: false })}` };
}

function fileNameFor(manifest: object, taken: Set<string>): string {
  const { kind, metadata } = manifest as Partial<KubernetesManifest>;
  // Collisions (two kinds of one name in different groups) are settled by the suffix below.
  const stem = `${String(kind ?? 'object')}-${String(metadata?.name ?? 'unnamed')}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').slice(0, 100);
  let name = `${stem}.yaml`;
  for (let suffix = 2; taken.has(name); suffix++) name = `${stem}-${suffix}.yaml`;
  return name;
}

/** What every object of one rendering shares. */
interface RenderContext {
  input: KubernetesRenderInput;
  names: ObjectNames;
  labels: Record<string, string>;
  selector: Record<string, string>;
}

/** Fresh objects each time, so a caller editing one manifest's labels does not edit them all. */
function metadataFor(context: RenderContext, name: string): { name: string; namespace: string; labels: Record<string, string> } {
  return { name, namespace: context.input.environment, labels: { ...context.labels } };
}

function renderConfigObjects(context: RenderContext, parts: PodParts): { file: string; manifest: IConfigMap | ISecret }[] {
  const { names } = context;
  const objects: { file: string; manifest: IConfigMap | ISecret }[] = [];
  const has = (data: Record<string, string>) => Object.keys(data).length > 0;
  if (has(parts.configData)) objects.push({ file: 'configmap-env.yaml', manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadataFor(context, names.env), data: parts.configData } });
  if (has(parts.secretData)) objects.push({ file: 'secret-env.yaml', manifest: { apiVersion: 'v1', kind: 'Secret', metadata: metadataFor(context, names.env), type: 'Opaque', data: parts.secretData } });
  if (has(parts.fileData)) objects.push({ file: 'configmap-files.yaml', manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadataFor(context, names.files), data: parts.fileData } });
  if (has(parts.binaryFileData)) objects.push({ file: 'secret-files.yaml', manifest: { apiVersion: 'v1', kind: 'Secret', metadata: metadataFor(context, names.files), type: 'Opaque', data: parts.binaryFileData } });
  return objects;
}

function renderDeployment(context: RenderContext, containers: IContainer[], parts: PodParts, configObjects: (IConfigMap | ISecret)[]): IDeployment {
  const { names } = context;
  const volumes: IVolume[] = [];
  if (parts.fileItems.length > 0) volumes.push({ name: 'files', configMap: { name: names.files, items: parts.fileItems } });
  if (parts.binaryFileItems.length > 0) volumes.push({ name: 'binary-files', secret: { secretName: names.files, items: parts.binaryFileItems } });
  volumes.push(...parts.claimVolumes.values());
  const annotations = context.input.workload.metadata.annotations ?? {};
  const configHash = createHash('sha256')
    .update(JSON.stringify(configObjects.map((object) => [object.kind, object.metadata?.name, object.data])))
    .digest('hex')
    .slice(0, 16);
  // No `replicas`: Kubernetes defaults to one, and leaving it out lets an autoscaler own the count.
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { ...metadataFor(context, names.workload), ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}) },
    spec: {
      selector: { matchLabels: { ...context.selector } },
      template: {
        metadata: { labels: { ...context.labels }, annotations: { ...annotations, [CONFIG_HASH_ANNOTATION]: configHash } },
        spec: { containers, ...(volumes.length > 0 ? { volumes } : {}) },
      },
    },
  };
}

function renderService(context: RenderContext, ports: [string, ScoreServicePort][]): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadataFor(context, context.names.workload),
    spec: {
      selector: { ...context.selector },
      ports: ports.map(([name, port]) => ({ name: dnsLabelFrom(name), port: port.port, targetPort: port.targetPort ?? port.port, protocol: port.protocol ?? 'TCP' })),
    },
  };
}

/** HTTP goes over TCP, so the Ingress routes to the first TCP port; none, or no host, means no Ingress. */
function renderIngress(context: RenderContext, ports: [string, ScoreServicePort][]): IIngress | undefined {
  const httpPort = ports.find(([, port]) => (port.protocol ?? 'TCP') === 'TCP')?.[1];
  if (!httpPort || !context.input.host) return undefined;
  const backend = { service: { name: context.names.workload, port: { number: httpPort.port } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadataFor(context, context.names.workload),
    spec: { rules: [{ host: context.input.host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] },
  };
}

/**
 * Renders a Score workload as Kubernetes manifests for one environment, the way score-k8s does:
 * a Deployment (a container per Score container), a Service for its ports, an Ingress for the
 * first TCP port, and the ConfigMaps and Secrets its variables and files need; provisioners'
 * manifests are passed through. Pure and deterministic: the same input gives the same bytes, so
 * a commit of the result is made only when something changed. It does not validate the result
 * against Kubernetes' schemas (validateManifests does) and applies nothing.
 */
export function renderManifests(input: KubernetesRenderInput): RenderedManifests {
  const { workload, environment } = input;
  if (!DNS_LABEL.test(environment)) invalid('delivery.invalid_environment', 'environment', `"${environment}" cannot be a Kubernetes namespace`, 'Use lower-case letters, digits and "-".');
  const names = namesFor(workload.metadata.name);
  const context: RenderContext = {
    input,
    names,
    // Paved's own labels come last so extra labels cannot take them over.
    labels: { ...input.labels, 'app.kubernetes.io/name': names.workload, 'app.kubernetes.io/managed-by': MANAGED_BY, 'paved.dev/environment': environment },
    // Only what never changes: a Deployment's selector cannot be edited once it exists.
    selector: { 'app.kubernetes.io/name': names.workload },
  };
  const parts: PodParts = { configData: {}, secretData: {}, fileData: {}, binaryFileData: {}, fileItems: [], binaryFileItems: [], claimVolumes: new Map() };
  const containers = Object.entries(workload.containers).map(([name, container]) => renderContainer(name, container, input, names, parts));
  const configObjects = renderConfigObjects(context, parts);
  const ports = Object.entries(workload.service?.ports ?? {});
  const ingress = renderIngress(context, ports);

  const own: { file: string; manifest: object }[] = [
    ...configObjects,
    { file: 'deployment.yaml', manifest: renderDeployment(context, containers, parts, configObjects.map(({ manifest }) => manifest)) },
    ...(ports.length > 0 ? [{ file: 'service.yaml', manifest: renderService(context, ports) }] : []),
    ...(ingress ? [{ file: 'ingress.yaml', manifest: ingress }] : []),
  ];
  const taken = new Set(own.map(({ file }) => file));
  // Provisioners' objects first: the claims and secrets a Deployment needs come before it.
  const provisioned = input.resourceManifests.map((manifest) => {
    const file = fileNameFor(manifest, taken);
    taken.add(file);
    return { file, manifest: structuredClone(manifest) };
  });
  const all = [...provisioned, ...own];
  const header = `# Rendered by Paved from the Score workload "${names.workload}" for ${environment}; edits here are replaced by the next deployment.\n`;
  const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: all.map(({ file }) => file) };
  return {
    manifests: all.map(({ manifest }) => manifest),
    files: [...all.map(({ file, manifest }) => yamlFile(file, manifest, header)), yamlFile('kustomization.yaml', kustomization, header)],
  };
}
