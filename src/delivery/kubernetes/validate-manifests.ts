import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { Kustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';
import { GitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository';
import type { ErrorObject } from 'ajv';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

export interface ManifestProblem {
  /** `Kind/name`, or `manifests[i]` when the manifest has neither. */
  manifest: string;
  /** Where in the manifest, e.g. `spec.template.spec.containers[0].image`. */
  path: string;
  message: string;
}

export type ManifestValidation = { ok: true } | { ok: false; problems: ManifestProblem[] };

/** A kubernetes-models class: constructing it from JSON and calling validate() checks it against the kind's OpenAPI schema. */
type ModelClass = (new (data: never) => { validate(): void }) & { apiVersion: string; kind: string };

interface KnownKind {
  model: ModelClass;
  /** Kubernetes' own kinds get the checks its API server makes that the OpenAPI schema does not express. */
  builtIn: boolean;
  /** Services must be RFC 1035 labels, namespaces RFC 1123 labels; RBAC objects accept any path segment, so their names are left alone. */
  names: keyof typeof NAME_RULES | 'any';
}

const NAME_RULES = {
  rfc1035: { pattern: /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, says: 'an RFC 1035 label (at most 63 lower-case letters, digits and "-", starting with a letter)' },
  rfc1123: { pattern: /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, says: 'an RFC 1123 label (at most 63 lower-case letters, digits and "-")' },
  subdomain: { pattern: /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, says: 'an RFC 1123 subdomain (lower-case letters, digits, "-" and ".")' },
};

/**
 * The kinds Paved renders and those provisioners commonly emit. Loading every kind
 * kubernetes-models has costs most of a second, so the list is explicit; add a line for a new one.
 */
const KNOWN_KINDS = new Map<string, KnownKind>(
  (
    [
      [ConfigMap, true, 'subdomain'],
      [Secret, true, 'subdomain'],
      [Service, true, 'rfc1035'],
      [ServiceAccount, true, 'subdomain'],
      [PersistentVolumeClaim, true, 'subdomain'],
      [Namespace, true, 'rfc1123'],
      [Deployment, true, 'subdomain'],
      [StatefulSet, true, 'subdomain'],
      [DaemonSet, true, 'subdomain'],
      [Job, true, 'subdomain'],
      [CronJob, true, 'subdomain'],
      [Ingress, true, 'subdomain'],
      [NetworkPolicy, true, 'subdomain'],
      [HorizontalPodAutoscaler, true, 'subdomain'],
      [PodDisruptionBudget, true, 'subdomain'],
      [Role, true, 'any'],
      [RoleBinding, true, 'any'],
      [Application, false, 'subdomain'],
      [GitRepository, false, 'subdomain'],
      [Kustomization, false, 'subdomain'],
    ] as [ModelClass, boolean, KnownKind['names']][]
  ).map(([model, builtIn, names]) => [`${model.apiVersion}/${model.kind}`, { model, builtIn, names }]),
);

/** Fields of Kubernetes' own kinds that hold a port number; the schema says int32, the API server says 1–65535. */
const PORT_FIELDS = new Set(['port', 'targetPort', 'containerPort', 'hostPort', 'nodePort']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function appendKey(path: string, key: string): string {
  if (/^\d+$/.test(key)) return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`. */
function pathFromPointer(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(appendKey, '');
}

function schemaProblems(error: unknown): { path: string; message: string }[] {
  const errors = isRecord(error) && Array.isArray(error.errors) ? (error.errors as ErrorObject[]) : undefined;
  if (!errors) return [{ path: '', message: error instanceof Error ? error.message : String(error) }];
  return errors.map((item) => {
    let path = pathFromPointer(item.instancePath);
    // Name the missing or unknown field itself rather than the object around it.
    if (item.keyword === 'required' && typeof item.params.missingProperty === 'string') return { path: appendKey(path, item.params.missingProperty), message: 'is required' };
    if (item.keyword === 'additionalProperties' && typeof item.params.additionalProperty === 'string') path = appendKey(path, item.params.additionalProperty);
    const allowed = item.keyword === 'enum' && Array.isArray(item.params.allowedValues) ? `: ${item.params.allowedValues.join(', ')}` : '';
    return { path, message: `${item.message ?? 'is invalid'}${allowed}` };
  });
}

function portProblems(value: unknown, path: string, problems: { path: string; message: string }[], parentKey?: string): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => portProblems(item, appendKey(path, String(index)), problems));
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) portProblems(child, appendKey(path, key), problems, key);
  } else if (typeof value === 'number' && parentKey !== undefined && PORT_FIELDS.has(parentKey) && (!Number.isInteger(value) || value < 1 || value > 65535)) {
    problems.push({ path, message: `${value} is not a port number (1–65535)` });
  }
}

function problemsOf(manifest: Record<string, unknown>): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const { apiVersion, kind, metadata } = manifest;
  if (typeof apiVersion !== 'string' || apiVersion === '') problems.push({ path: 'apiVersion', message: 'is required' });
  if (typeof kind !== 'string' || kind === '') problems.push({ path: 'kind', message: 'is required' });
  const name = isRecord(metadata) ? metadata.name : undefined;
  if (typeof name !== 'string' || name === '') problems.push({ path: 'metadata.name', message: 'is required' });
  if (problems.length > 0) return problems;

  // A kind not listed (a provisioner's custom resource, whose CRD is not known here) is checked
  // only for apiVersion, kind and metadata.name above: its schema lives in the cluster.
  const known = KNOWN_KINDS.get(`${String(apiVersion)}/${String(kind)}`);
  if (!known) return problems;
  try {
    new known.model(manifest as never).validate();
  } catch (error) {
    problems.push(...schemaProblems(error));
  }
  const namespace = isRecord(metadata) ? metadata.namespace : undefined;
  if (namespace !== undefined && (typeof namespace !== 'string' || !NAME_RULES.rfc1123.pattern.test(namespace))) {
    problems.push({ path: 'metadata.namespace', message: `${JSON.stringify(namespace)} is not a namespace name: ${NAME_RULES.rfc1123.says}` });
  }
  const rule = known.names === 'any' ? undefined : NAME_RULES[known.names];
  if (rule && !rule.pattern.test(String(name))) problems.push({ path: 'metadata.name', message: `"${String(name)}" is not ${rule.says}` });
  if (known.builtIn) portProblems(manifest.spec, 'spec', problems);
  return problems;
}

/**
 * Checks manifests before they are committed, against Kubernetes' own OpenAPI schemas (through
 * kubernetes-models) plus the rules its API server adds: names, port ranges, one object per
 * kind, namespace and name. Kinds it does not know (custom resources) get only the apiVersion,
 * kind and metadata.name checks. It cannot check what needs a cluster: admission webhooks,
 * quotas, whether a referenced ConfigMap or claim exists.
 */
export function validateManifests(manifests: readonly unknown[]): ManifestValidation {
  const problems: ManifestProblem[] = [];
  const seen = new Set<string>();
  manifests.forEach((manifest, index) => {
    if (!isRecord(manifest)) {
      problems.push({ manifest: `manifests[${index}]`, path: '', message: 'is not an object' });
      return;
    }
    const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
    const label = typeof manifest.kind === 'string' && typeof metadata.name === 'string' ? `${manifest.kind}/${metadata.name}` : `manifests[${index}]`;
    for (const problem of problemsOf(manifest)) problems.push({ manifest: label, ...problem });
    const identity = `${String(manifest.apiVersion)}/${label}@${String(metadata.namespace ?? '')}`;
    if (seen.has(identity)) problems.push({ manifest: label, path: 'metadata.name', message: 'another manifest is the same object (same apiVersion, kind, namespace and name)' });
    seen.add(identity);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true };
}
