import { describe, expect, it } from 'vitest';
import { validateManifests } from './validate-manifests.js';

const deployment = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'dev' },
  spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1' }] } }, ...spec },
});

describe('validateManifests', () => {
  it('accepts a valid Deployment', () => {
    expect(validateManifests([deployment()])).toEqual({ ok: true });
  });

  it('names the kind/name and the path of a field of the wrong type', () => {
    expect(validateManifests([deployment({ replicas: 'two' })])).toEqual({ ok: false, problems: [{ manifest: 'Deployment/api', path: 'spec.replicas', message: 'must be integer' }] });
  });

  it('names a missing required field itself', () => {
    const { selector: _selector, ...spec } = deployment().spec;
    expect(validateManifests([{ ...deployment(), spec }])).toEqual({ ok: false, problems: [{ manifest: 'Deployment/api', path: 'spec.selector', message: 'is required' }] });
  });

  it('refuses port numbers outside 1–65535, which the schema alone allows', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { ports: [{ port: 80, targetPort: 0 }, { port: 70000 }] } };
    expect(validateManifests([service])).toEqual({
      ok: false,
      problems: [
        { manifest: 'Service/api', path: 'spec.ports[0].targetPort', message: '0 is not a port number (1–65535)' },
        { manifest: 'Service/api', path: 'spec.ports[1].port', message: '70000 is not a port number (1–65535)' },
      ],
    });
  });

  it('refuses names Kubernetes refuses: a Service is an RFC 1035 label', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: '1api' }, spec: { ports: [{ port: 80 }] } };
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Api_Config', namespace: 'Dev' } };
    const result = validateManifests([service, configMap]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map(({ manifest, path }) => `${manifest} ${path}`)).toEqual(['Service/1api metadata.name', 'ConfigMap/Api_Config metadata.namespace', 'ConfigMap/Api_Config metadata.name']);
  });

  it('quotes label keys in paths', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { 'app.kubernetes.io/name': 3 } } };
    expect(validateManifests([configMap])).toMatchObject({ ok: false, problems: [{ manifest: 'ConfigMap/c', path: 'metadata.labels["app.kubernetes.io/name"]' }] });
  });

  it('checks only apiVersion, kind and metadata.name of a custom resource', () => {
    const custom = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db' }, spec: { instances: 'many', port: 99999 } };
    expect(validateManifests([custom])).toEqual({ ok: true });
    expect(validateManifests([{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: {} }, { kind: 'Cluster', metadata: { name: 'x' } }, 'not an object'])).toEqual({
      ok: false,
      problems: [
        { manifest: 'manifests[0]', path: 'metadata.name', message: 'is required' },
        { manifest: 'Cluster/x', path: 'apiVersion', message: 'is required' },
        { manifest: 'manifests[2]', path: '', message: 'is not an object' },
      ],
    });
  });

  it('refuses the same object twice', () => {
    expect(validateManifests([deployment(), deployment()])).toEqual({
      ok: false,
      problems: [{ manifest: 'Deployment/api', path: 'metadata.name', message: 'another manifest is the same object (same apiVersion, kind, namespace and name)' }],
    });
  });

  it('validates Argo CD and Flux objects against their own schemas', () => {
    const kustomization = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'api' }, spec: { interval: '1m', prune: 'yes', sourceRef: { kind: 'GitRepository', name: 's' } } };
    expect(validateManifests([kustomization])).toEqual({ ok: false, problems: [{ manifest: 'Kustomization/api', path: 'spec.prune', message: 'must be boolean' }] });
  });
});
