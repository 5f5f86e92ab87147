import { systemPrincipal } from '../../access/principal.js';
import type { GitService, Repository } from '../../git/index.js';
import { gitopsFiles, workloadFolder } from '../kubernetes/gitops-files.js';
import { renderManifests } from '../kubernetes/render-manifests.js';
import { validateManifests } from '../kubernetes/validate-manifests.js';
import type { InstanceStatus, Runtime } from './runtime.js';

const BRANCH = 'main';
const AUTHOR = { name: 'Paved delivery', email: 'delivery@paved.invalid' };

/**
 * The kubernetes runtime, GitOps-style: a release renders the workload to manifests, validates
 * them against Kubernetes' schemas and commits them to the environment's repository in Paved's
 * git (`delivery/<environment>`, one folder per workload) with the Argo CD Application and Flux
 * Kustomization that sync it. Paved applies nothing itself: a release succeeds once committed.
 */
export function createKubernetesRuntime(deps: { git: GitService; registry: string; ingressDomain: string; owner: string; cloneUrl(repository: Repository): string }): Runtime {
  const delivered = new Map<string, InstanceStatus>();

  async function environmentRepository(environment: string): Promise<Repository> {
    return deps.git.get('delivery', environment).catch(() => deps.git.create(systemPrincipal, { namespace: 'delivery', name: environment, ownerRef: deps.owner }));
  }

  return {
    name: 'kubernetes',

    async release(request) {
      const { workload } = request.resolved;
      const images = Object.fromEntries(Object.entries(workload.containers).map(([name, container]) => [name, container.image === '.' ? `${deps.registry}/${request.repository}:${request.commit}` : container.image]));
      const rendered = renderManifests({
        workload,
        environment: request.environment,
        images,
        host: `${request.workload}.${request.environment}.${deps.ingressDomain}`,
        secretVariables: request.resolved.secretVariables,
        resourceManifests: request.manifests,
        labels: { 'paved.dev/workload': request.workload },
      });
      const validation = validateManifests(rendered.manifests);
      if (!validation.ok) throw new Error(`the rendered manifests are not valid Kubernetes: ${validation.problems.map((problem) => `${problem.manifest} ${problem.path}: ${problem.message}`).join('; ')}`);
      const repository = await environmentRepository(request.environment);
      const folder = workloadFolder(request.workload);
      await deps.git.commitFiles(repository, {
        branch: BRANCH,
        message: `deploy ${request.workload} ${request.commit.slice(0, 12)} (deployment ${request.deploymentId})`,
        author: AUTHOR,
        replacePrefix: folder,
        files: [
          ...rendered.files.map((file) => ({ path: `${folder}/${file.path}`, content: file.content })),
          ...gitopsFiles({ environment: request.environment, repositoryUrl: deps.cloneUrl(repository), workload: request.workload, branch: BRANCH }),
        ],
        pusher: 'system',
      });
      await request.log(`committed ${rendered.files.length} manifest file(s) to ${repository.namespace}/${repository.name} ${folder}/; Argo CD or Flux syncs them from there`);
      delivered.set(`${request.environment}/${request.workload}`, {
        environment: request.environment,
        workload: request.workload,
        deploymentId: request.deploymentId,
        health: 'delivered',
        containers: Object.keys(workload.containers).map((name) => ({ name, restarts: 0, health: 'delivered' })),
        startedAt: new Date().toISOString(),
      });
      return {};
    },

    async stop(environment, workload) {
      const repository = await deps.git.get('delivery', environment).catch(() => undefined);
      if (!repository) return;
      for (const prefix of [workloadFolder(workload), `clusters/${environment}/argocd/${workload}.yaml`, `clusters/${environment}/flux/${workload}.yaml`]) {
        await deps.git.commitFiles(repository, { branch: BRANCH, message: `remove ${workload}`, author: AUTHOR, replacePrefix: prefix, files: [], pusher: 'system' });
      }
      delivered.delete(`${environment}/${workload}`);
    },

    status(environment) {
      return [...delivered.values()].filter((status) => environment === undefined || status.environment === environment);
    },

    async close() {
      delivered.clear();
    },
  };
}
