import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { gitopsFiles } from './gitops-files.js';
import { validateManifests } from './validate-manifests.js';

const input = { environment: 'dev', repositoryUrl: 'https://paved.example.com/git/delivery/dev.git', workload: 'checkout', branch: 'main' };

function documentsOf(files: { path: string; content: string }[]): Record<string, unknown>[] {
  return files.flatMap((file) => parseAllDocuments(file.content).map((document) => document.toJSON() as Record<string, unknown>));
}

describe('gitopsFiles', () => {
  const files = gitopsFiles(input);
  const [application, namespace, gitRepository, kustomization] = documentsOf(files);

  it('writes one Argo CD file and one Flux file per workload, beside the environment’s Flux source', () => {
    expect(files.map((file) => file.path)).toEqual(['clusters/dev/argocd/checkout.yaml', 'clusters/dev/flux/source.yaml', 'clusters/dev/flux/checkout.yaml']);
    expect(validateManifests([application!, namespace!, gitRepository!, kustomization!])).toEqual({ ok: true });
  });

  it('makes Argo CD sync the workload’s folder into the environment’s namespace, pruning and healing', () => {
    expect(application).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'checkout-dev', namespace: 'argocd' },
      spec: {
        source: { repoURL: input.repositoryUrl, path: 'workloads/checkout', targetRevision: 'main' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'dev' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: expect.arrayContaining(['CreateNamespace=true']) },
      },
    });
  });

  it('makes Flux do the same from a GitRepository on the branch', () => {
    expect(namespace).toMatchObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
    expect(gitRepository).toMatchObject({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'delivery-dev', namespace: 'flux-system' },
      spec: { url: input.repositoryUrl, ref: { branch: 'main' }, secretRef: { name: 'paved-git-credentials' } },
    });
    expect(kustomization).toMatchObject({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'checkout-dev', namespace: 'flux-system' },
      spec: { sourceRef: { kind: 'GitRepository', name: 'delivery-dev' }, path: './workloads/checkout', prune: true, targetNamespace: 'dev' },
    });
  });

  it('writes the same source file for every workload of the environment, so committing it again changes nothing', () => {
    const other = gitopsFiles({ ...input, workload: 'cart' });
    expect(other.find((file) => file.path.endsWith('/source.yaml'))).toEqual(files.find((file) => file.path.endsWith('/source.yaml')));
  });

  it('refuses a URL with credentials, an environment that is not a namespace and a branch that is not plain', () => {
    expect(() => gitopsFiles({ ...input, repositoryUrl: 'https://ada:token@paved.example.com/git/delivery/dev.git' })).toThrow(expect.objectContaining({ code: 'delivery.invalid_repository_url' }));
    expect(() => gitopsFiles({ ...input, repositoryUrl: 'file:///srv/git/dev.git' })).toThrow(expect.objectContaining({ code: 'delivery.invalid_repository_url' }));
    expect(() => gitopsFiles({ ...input, environment: '../prod' })).toThrow(expect.objectContaining({ code: 'delivery.invalid_name', details: expect.objectContaining({ path: 'environment' }) }));
    expect(() => gitopsFiles({ ...input, branch: '-x' })).toThrow(expect.objectContaining({ code: 'git.invalid_branch' }));
  });
});
