import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { IKustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';
import type { IGitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import { stringify } from 'yaml';
import { InvalidInputError } from '../../errors.js';
import { validateBranch } from '../../git/push-directory.js';
import { MANAGED_BY, type RenderedFile } from './render-manifests.js';
import { validateManifests } from './validate-manifests.js';

export interface GitopsInput {
  environment: string;
  /** Where the cluster clones the environment's repository from, e.g. `https://paved.example.com/git/delivery/dev.git`. */
  repositoryUrl: string;
  workload: string;
  branch: string;
}

export const ARGOCD_NAMESPACE = 'argocd';
export const FLUX_NAMESPACE = 'flux-system';
/** The Secret (in flux-system) holding a Paved token for cloning; Paved's git needs a signed-in user to read. */
export const FLUX_CREDENTIALS_SECRET = 'paved-git-credentials';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Where a workload's rendered manifests live in the environment's repository. */
export function workloadFolder(workload: string): string {
  return `workloads/${workload}`;
}

function checkLabel(value: string, field: string): string {
  if (!DNS_LABEL.test(value)) throw new InvalidInputError('delivery.invalid_name', `"${value}" is not a Kubernetes name`, { path: field, hint: 'Use lower-case letters, digits and "-".' });
  return value;
}

function checkRepositoryUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // No credentials in the URL: these files are committed, and the clusters read a Secret instead.
  if (!url || !['http:', 'https:', 'ssh:'].includes(url.protocol) || url.username || url.password) {
    throw new InvalidInputError('delivery.invalid_repository_url', `"${value}" is not a repository URL a cluster can clone`, { path: 'repositoryUrl', hint: 'An http(s) or ssh URL without credentials.' });
  }
  return value;
}

/** Both objects' names must be unique in a namespace shared by every environment's objects. */
function objectName(workload: string, environment: string): string {
  return `${workload}-${environment}`.slice(0, 63).replace(/-+$/, '');
}

function yaml(...documents: object[]): string {
  const header = '# Written by Paved; edits here are replaced by the next deployment.\n';
  return header + documents.map((document) => stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/**
 * The files that make a GitOps controller sync a workload's folder (`workloads/<workload>`) of
 * the environment's repository into the namespace named after the environment:
 * - `clusters/<environment>/argocd/<workload>.yaml`: an Argo CD Application (automated sync with
 *   prune and self-heal, namespace created);
 * - `clusters/<environment>/flux/<workload>.yaml`: a Flux Kustomization;
 * - `clusters/<environment>/flux/source.yaml`: the Flux GitRepository and the namespace, the same
 *   for every workload of the environment.
 * A cluster runs one of the two controllers, pointed once at its folder (see docs/kubernetes.md).
 * Nothing here talks to a cluster.
 */
export function gitopsFiles(input: GitopsInput): RenderedFile[] {
  const environment = checkLabel(input.environment, 'environment');
  const workload = checkLabel(input.workload, 'workload');
  const branch = validateBranch(input.branch);
  const repositoryUrl = checkRepositoryUrl(input.repositoryUrl);
  const labels = { 'app.kubernetes.io/name': workload, 'app.kubernetes.io/managed-by': MANAGED_BY, 'paved.dev/environment': environment };
  const name = objectName(workload, environment);
  const sourceName = `delivery-${environment}`;

  const application: IApplication = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: ARGOCD_NAMESPACE, labels: { ...labels } },
    spec: {
      project: 'default',
      source: { repoURL: repositoryUrl, path: workloadFolder(workload), targetRevision: branch },
      destination: { server: 'https://kubernetes.default.svc', namespace: environment },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'] },
    },
  };
  // Flux does not create namespaces, so the environment's namespace comes with its source.
  const namespace: INamespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: environment, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY, 'paved.dev/environment': environment } } };
  const gitRepository: IGitRepository = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: sourceName, namespace: FLUX_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY, 'paved.dev/environment': environment } },
    spec: { interval: '1m', url: repositoryUrl, ref: { branch }, secretRef: { name: FLUX_CREDENTIALS_SECRET } },
  };
  const kustomization: IKustomization = {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: FLUX_NAMESPACE, labels: { ...labels } },
    spec: {
      interval: '5m',
      sourceRef: { kind: 'GitRepository', name: sourceName },
      path: `./${workloadFolder(workload)}`,
      prune: true,
      targetNamespace: environment,
    },
  };

  // Built from checked input, so a problem here is a bug in this file, not the caller's.
  const checked = validateManifests([application, namespace, gitRepository, kustomization]);
  if (!checked.ok) throw new Error(`GitOps manifests are invalid: ${JSON.stringify(checked.problems)}`);

  const clusterFolder = `clusters/${environment}`;
  return [
    { path: `${clusterFolder}/argocd/${workload}.yaml`, content: yaml(application) },
    { path: `${clusterFolder}/flux/source.yaml`, content: yaml(namespace, gitRepository) },
    { path: `${clusterFolder}/flux/${workload}.yaml`, content: yaml(kustomization) },
  ];
}
