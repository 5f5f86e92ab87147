import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { ScoreWorkload } from '../score/score-workload.js';
import { CONFIG_HASH_ANNOTATION, type KubernetesManifest, type KubernetesRenderInput, renderManifests } from './render-manifests.js';
import { validateManifests } from './validate-manifests.js';

const SCORE_SPEC = '/work/shared/fixtures/score-spec';
const GOLDEN_PATH_SCORE = path.resolve(import.meta.dirname, '../../../golden-paths/node-service/skeleton/score.yaml');

function readScore(file: string, replace: (text: string) => string = (text) => text): ScoreWorkload {
  return parse(replace(fs.readFileSync(file, 'utf8'))) as ScoreWorkload;
}

/** score-full.yaml as the delivery code hands it over: `source` files read into `content`. */
function fullWorkload(): ScoreWorkload {
  const workload = readScore(path.join(SCORE_SPEC, 'spec/samples/score-full.yaml'));
  const file = workload.containers['container-one1']!.files!['/my/file']!;
  delete file.source;
  file.content = 'read from file.txt\n';
  return workload;
}

function render(workload: ScoreWorkload, overrides: Partial<KubernetesRenderInput> = {}) {
  return renderManifests({ workload, environment: 'dev', images: {}, host: `${workload.metadata.name}.dev.example.com`, secretVariables: {}, resourceManifests: [], ...overrides });
}

function find(manifests: object[], kind: string, name?: string): KubernetesManifest {
  const found = (manifests as KubernetesManifest[]).find((manifest) => manifest.kind === kind && (name === undefined || manifest.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? `/${name}` : ''} among ${manifests.map((manifest) => (manifest as KubernetesManifest).kind).join(', ')}`);
  return found;
}

/** Reads a field by dotted path, for assertions that would otherwise need a type per kind. */
function at(value: unknown, fieldPath: string): unknown {
  return fieldPath.split('.').reduce<unknown>((current, key) => (current as Record<string, unknown> | undefined)?.[key], value);
}

function containersOf(manifests: object[]): Record<string, unknown>[] {
  return at(find(manifests, 'Deployment'), 'spec.template.spec.containers') as Record<string, unknown>[];
}

describe('renderManifests: score-full.yaml', () => {
  const images = { 'container-one1': 'localhost:4000/repo/my-image:tag', 'container-two2': 'registry.example.com/example:abc123' };
  const rendered = render(fullWorkload(), { images });
  const [one, two] = containersOf(rendered.manifests);

  it('renders manifests Kubernetes accepts', () => {
    expect(validateManifests(rendered.manifests)).toEqual({ ok: true });
    expect(rendered.manifests.map((manifest) => `${(manifest as KubernetesManifest).kind}/${(manifest as KubernetesManifest).metadata.name}`)).toEqual([
      'ConfigMap/example-workload-name123-env',
      'ConfigMap/example-workload-name123-files',
      'Secret/example-workload-name123-files',
      'Deployment/example-workload-name123',
      'Service/example-workload-name123',
      'Ingress/example-workload-name123',
    ]);
  });

  it('runs one pod with a container per Score container, with the images it was given', () => {
    expect(one).toMatchObject({ name: 'container-one1', image: 'localhost:4000/repo/my-image:tag', command: ['/bin/sh', '-c'], args: ['hello', 'world'] });
    expect(two).toMatchObject({ name: 'container-two2', image: 'registry.example.com/example:abc123' });
    expect(one!.resources).toEqual({ limits: { cpu: '0.24', memory: '128M' }, requests: { cpu: '1000m', memory: '10Gi' } });
  });

  it('keeps httpGet when a probe gives both httpGet and exec, and carries host, scheme and headers', () => {
    expect(one!.livenessProbe).toEqual({ httpGet: { path: '/livez', port: 8080 } });
    expect(one!.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 80, host: '127.0.0.1', scheme: 'HTTP', httpHeaders: [{ name: 'SOME_HEADER', value: 'some-value-here' }] } });
  });

  it('reads variables from the ConfigMap by key', () => {
    expect(one!.env).toEqual([{ name: 'SOME_VAR', valueFrom: { configMapKeyRef: { name: 'example-workload-name123-env', key: 'container-one1.SOME_VAR' } } }]);
    expect(find(rendered.manifests, 'ConfigMap', 'example-workload-name123-env').data).toEqual({ 'container-one1.SOME_VAR': 'some content here' });
  });

  it('mounts each file alone, text from a ConfigMap and binary content from a Secret, honouring the octal mode', () => {
    const mounts = one!.volumeMounts as Record<string, unknown>[];
    expect(mounts.filter((mount) => String(mount.name).endsWith('files'))).toEqual([
      { name: 'files', mountPath: '/my/file', subPath: 'container-one1.0', readOnly: true },
      { name: 'files', mountPath: '/my/other/file', subPath: 'container-one1.1', readOnly: true },
      { name: 'binary-files', mountPath: '/my/other/binaryfile', subPath: 'container-one1.2', readOnly: true },
    ]);
    expect(find(rendered.manifests, 'ConfigMap', 'example-workload-name123-files').data).toEqual({
      'container-one1.0': 'read from file.txt\n',
      'container-one1.1': 'some multiline\ncontent\n',
    });
    expect(find(rendered.manifests, 'Secret', 'example-workload-name123-files').data).toEqual({ 'container-one1.2': 'ADBgwpA=' });
    const volumes = at(find(rendered.manifests, 'Deployment'), 'spec.template.spec.volumes') as Record<string, unknown>[];
    expect(volumes[0]).toEqual({
      name: 'files',
      configMap: { name: 'example-workload-name123-files', items: [{ key: 'container-one1.0', path: 'container-one1.0', mode: 0o600 }, { key: 'container-one1.1', path: 'container-one1.1' }] },
    });
    expect(volumes[1]).toEqual({ name: 'binary-files', secret: { secretName: 'example-workload-name123-files', items: [{ key: 'container-one1.2', path: 'container-one1.2' }] } });
  });

  it('mounts Score volumes from the claims their sources name, with the sub-path made relative', () => {
    const mounts = (one!.volumeMounts as Record<string, unknown>[]).filter((mount) => String(mount.name).startsWith('volume-'));
    expect(mounts).toEqual([
      { name: 'volume-volume-name', mountPath: '/mnt/something', subPath: 'sub/path' },
      { name: 'volume-volume-two', mountPath: '/mnt/something-else' },
    ]);
    const volumes = at(find(rendered.manifests, 'Deployment'), 'spec.template.spec.volumes') as Record<string, unknown>[];
    expect(volumes.slice(2)).toEqual([
      { name: 'volume-volume-name', persistentVolumeClaim: { claimName: 'volume-name' } },
      { name: 'volume-volume-two', persistentVolumeClaim: { claimName: 'volume-two' } },
    ]);
  });

  it('exposes every service port and routes the host to the first one', () => {
    expect(at(find(rendered.manifests, 'Service'), 'spec')).toEqual({
      selector: { 'app.kubernetes.io/name': 'example-workload-name123' },
      ports: [
        { name: 'port-one', port: 1000, targetPort: 10000, protocol: 'TCP' },
        { name: 'port-two2', port: 8000, targetPort: 8000, protocol: 'TCP' },
      ],
    });
    expect(at(find(rendered.manifests, 'Ingress'), 'spec.rules')).toEqual([
      {
        host: 'example-workload-name123.dev.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'example-workload-name123', port: { number: 1000 } } } }] },
      },
    ]);
  });

  it('labels everything for the environment and selects pods by the workload name only', () => {
    const labelled = render(fullWorkload(), { images, labels: { 'paved.dev/deployment': 'd-42', 'app.kubernetes.io/managed-by': 'someone-else' } });
    for (const manifest of labelled.manifests as KubernetesManifest[]) {
      expect(manifest.metadata.namespace).toBe('dev');
      expect(manifest.metadata.labels).toEqual({
        'paved.dev/deployment': 'd-42',
        'app.kubernetes.io/name': 'example-workload-name123',
        'app.kubernetes.io/managed-by': 'paved',
        'paved.dev/environment': 'dev',
      });
    }
    const deployment = find(labelled.manifests, 'Deployment');
    expect(at(deployment, 'spec.selector')).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'example-workload-name123' } });
    expect(at(deployment, 'spec.template.metadata.labels')).toMatchObject({ 'paved.dev/deployment': 'd-42' });
    expect(deployment.metadata.annotations).toEqual({ 'prefix.com/Another-Key_Annotation.2': 'something else' });
  });

  it('writes one YAML file per manifest and a kustomization.yaml listing them', () => {
    expect(rendered.files.map((file) => file.path)).toEqual([
      'configmap-env.yaml',
      'configmap-files.yaml',
      'secret-files.yaml',
      'deployment.yaml',
      'service.yaml',
      'ingress.yaml',
      'kustomization.yaml',
    ]);
    rendered.files.slice(0, -1).forEach((file, index) => expect(parse(file.content)).toEqual(rendered.manifests[index]));
    expect(parse(rendered.files.at(-1)!.content)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: rendered.files.slice(0, -1).map((file) => file.path),
    });
    for (const file of rendered.files) expect(file.content).not.toMatch(/^\s*[&*]\w/m);
  });
});

describe('renderManifests: secrets', () => {
  const workload: ScoreWorkload = {
    apiVersion: 'score.dev/v1b1',
    metadata: { name: 'checkout' },
    containers: { main: { image: 'nginx:1.27', variables: { DB_HOST: 'db.dev.svc', DB_PASSWORD: 's3cr3t!' } } },
  };
  const rendered = render(workload, { secretVariables: { main: ['DB_PASSWORD'] } });

  it('puts secret variables in a Secret referenced by secretKeyRef, and nowhere else', () => {
    expect(containersOf(rendered.manifests)[0]!.env).toEqual([
      { name: 'DB_HOST', valueFrom: { configMapKeyRef: { name: 'checkout-env', key: 'main.DB_HOST' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'checkout-env', key: 'main.DB_PASSWORD' } } },
    ]);
    expect(find(rendered.manifests, 'Secret', 'checkout-env')).toMatchObject({ type: 'Opaque', data: { 'main.DB_PASSWORD': Buffer.from('s3cr3t!').toString('base64') } });
    expect(find(rendered.manifests, 'ConfigMap', 'checkout-env').data).toEqual({ 'main.DB_HOST': 'db.dev.svc' });
    const elsewhere = rendered.files.filter((file) => file.path !== 'secret-env.yaml').map((file) => file.content).join('\n');
    expect(elsewhere).not.toContain('s3cr3t!');
    expect(elsewhere).not.toContain(Buffer.from('s3cr3t!').toString('base64'));
    expect(validateManifests(rendered.manifests)).toEqual({ ok: true });
  });

  it('rolls the pods when a secret value changes (the config hash follows every ConfigMap and Secret)', () => {
    const changed = structuredClone(workload);
    changed.containers.main!.variables!.DB_PASSWORD = 'rotated';
    const hash = (manifests: object[]) => at(find(manifests, 'Deployment'), 'spec.template.metadata.annotations') as Record<string, string>;
    expect(hash(render(changed, { secretVariables: { main: ['DB_PASSWORD'] } }).manifests)[CONFIG_HASH_ANNOTATION]).not.toBe(hash(rendered.manifests)[CONFIG_HASH_ANNOTATION]);
  });
});

describe('renderManifests: the score-compose examples', () => {
  it('renders 01-hello as a lone Deployment, without Service or Ingress', () => {
    const rendered = render(readScore(path.join(SCORE_SPEC, 'score-compose/examples/01-hello/score.yaml')));
    expect(validateManifests(rendered.manifests)).toEqual({ ok: true });
    expect(rendered.manifests.map((manifest) => (manifest as KubernetesManifest).kind)).toEqual(['Deployment']);
    expect(containersOf(rendered.manifests)[0]).toEqual({ name: 'hello', image: 'busybox', command: ['/bin/sh'], args: ['-c', 'while true; do echo Hello World!; sleep 5; done'] });
    expect(find(rendered.manifests, 'Deployment').metadata.annotations).toEqual({ 'your.custom/annotation': 'value' });
  });

  it('renders 02-environment (placeholders substituted) with its variables in the ConfigMap, verbatim', () => {
    const workload = readScore(path.join(SCORE_SPEC, 'score-compose/examples/02-environment/score.yaml'), (text) =>
      text.replace('${resources.env.NAME}', 'World').replace('${metadata.name}', 'hello-world').replaceAll('$$', '$'),
    );
    const rendered = render(workload);
    expect(validateManifests(rendered.manifests)).toEqual({ ok: true });
    expect(find(rendered.manifests, 'ConfigMap', 'hello-world-env').data).toEqual({
      'hello.GREETING': 'Hello',
      'hello.NAME': 'World',
      'hello.WORKLOAD_NAME': 'hello-world',
      'hello.ESCAPED': '$_${fizzbuzz}',
    });
    expect(containersOf(rendered.manifests)[0]!.args).toEqual(['-c', 'while true; do echo ${GREETING} ${NAME}!; sleep 5; done']);
  });

  it('escapes what Kubernetes would expand in command and args, so they run as Score wrote them', () => {
    const workload: ScoreWorkload = { apiVersion: 'score.dev/v1b1', metadata: { name: 'shell' }, containers: { main: { image: 'busybox', args: ['echo $(date) costs $$5 or $HOME'] } } };
    // Kubernetes reads `$$(` as a literal `$(`, `$$$5` as `$$5`, and leaves a `$` before anything else alone.
    expect(containersOf(render(workload).manifests)[0]!.args).toEqual(['echo $$(date) costs $$$5 or $HOME']);
  });
});

describe('renderManifests: the node-service golden path', () => {
  const workload = readScore(GOLDEN_PATH_SCORE, (text) => text.replaceAll('${{ values.name }}', 'checkout').replaceAll('${{ values.port }}', '8080'));
  const rendered = render(workload, { images: { main: 'paved.example.com/team-a/checkout:0c1d2e3' } });

  it('renders a service reachable through the Ingress, with its health probes', () => {
    expect(validateManifests(rendered.manifests)).toEqual({ ok: true });
    const [main] = containersOf(rendered.manifests);
    expect(main).toMatchObject({
      image: 'paved.example.com/team-a/checkout:0c1d2e3',
      command: ['node', 'src/server.js'],
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
      readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
    });
    expect(find(rendered.manifests, 'ConfigMap', 'checkout-env').data).toEqual({ 'main.PORT': '8080' });
    expect(at(find(rendered.manifests, 'Service'), 'spec.ports')).toEqual([{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    expect(at(find(rendered.manifests, 'Ingress'), 'spec.rules')).toMatchObject([{ host: 'checkout.dev.example.com' }]);
  });

  it('quotes the port variable so the ConfigMap holds a string', () => {
    expect(rendered.files.find((file) => file.path === 'configmap-env.yaml')!.content).toContain('main.PORT: "8080"');
  });
});

describe('renderManifests: determinism', () => {
  it('gives the same bytes for the same input, whatever the order of the lookup tables', () => {
    const images = { 'container-one1': 'a:1', 'container-two2': 'b:2' };
    const first = render(fullWorkload(), { images, secretVariables: { 'container-one1': ['SOME_VAR'] }, labels: { team: 'a' } });
    const second = render(fullWorkload(), {
      images: { 'container-two2': 'b:2', 'container-one1': 'a:1' },
      secretVariables: { 'container-one1': ['SOME_VAR'] },
      labels: { team: 'a' },
    });
    expect(second.files).toEqual(first.files);
  });
});

describe('renderManifests: provisioners’ manifests', () => {
  const workload: ScoreWorkload = { apiVersion: 'score.dev/v1b1', metadata: { name: 'api' }, containers: { main: { image: 'api:1' } } };

  it('passes them through, in files of their own, listed first', () => {
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'api-data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const custom = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'api-db' }, spec: { instances: 1 } };
    const rendered = render(workload, { resourceManifests: [claim, custom] });
    expect(rendered.manifests.slice(0, 2)).toEqual([claim, custom]);
    expect(rendered.files.map((file) => file.path)).toEqual(['persistentvolumeclaim-api-data.yaml', 'cluster-api-db.yaml', 'deployment.yaml', 'kustomization.yaml']);
    expect(validateManifests(rendered.manifests)).toEqual({ ok: true });
  });

  it('lets validation name the manifest and the field of a bad one', () => {
    const migrate = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'db-migrate' },
      spec: { replicas: 'two', selector: { matchLabels: { app: 'm' } }, template: { metadata: { labels: { app: 'm' } }, spec: { containers: [{ name: 'm', image: 'm:1' }] } } },
    };
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { ports: [{ port: 70000 }] } };
    const rendered = render(workload, { resourceManifests: [migrate, service] });
    expect(validateManifests(rendered.manifests)).toEqual({
      ok: false,
      problems: [
        { manifest: 'Deployment/db-migrate', path: 'spec.replicas', message: 'must be integer' },
        { manifest: 'Service/db', path: 'spec.ports[0].port', message: '70000 is not a port number (1–65535)' },
      ],
    });
  });
});

describe('renderManifests: refusals', () => {
  it('refuses a container whose image is "." when no image was given for it', () => {
    const workload: ScoreWorkload = { apiVersion: 'score.dev/v1b1', metadata: { name: 'api' }, containers: { main: { image: '.' } } };
    expect(() => render(workload)).toThrow(expect.objectContaining({ code: 'delivery.image_unresolved', details: { path: 'containers.main.image' } }));
  });

  it('refuses a file given by source whose content was not read', () => {
    const workload = readScore(path.join(SCORE_SPEC, 'spec/samples/score-full.yaml'));
    expect(() => render(workload, { images: { 'container-two2': 'b:1' } })).toThrow(expect.objectContaining({ code: 'delivery.file_content_missing' }));
  });

  it('refuses an environment that cannot be a namespace', () => {
    const workload: ScoreWorkload = { apiVersion: 'score.dev/v1b1', metadata: { name: 'api' }, containers: { main: { image: 'api:1' } } };
    expect(() => render(workload, { environment: 'Prod_EU' })).toThrow(expect.objectContaining({ code: 'delivery.invalid_environment' }));
  });

  it('refuses a file mode that is not octal', () => {
    const workload: ScoreWorkload = { apiVersion: 'score.dev/v1b1', metadata: { name: 'api' }, containers: { main: { image: 'api:1', files: { '/etc/x': { content: 'x', mode: '0999' } } } } };
    expect(() => render(workload)).toThrow(expect.objectContaining({ code: 'delivery.invalid_file_mode', details: expect.objectContaining({ path: 'containers.main.files./etc/x.mode' }) }));
  });
});

describe('renderManifests: names', () => {
  it('makes a workload name that starts with a digit a valid Service name', () => {
    const workload: ScoreWorkload = { apiVersion: 'score.dev/v1b1', metadata: { name: '3d-viewer' }, service: { ports: { web: { port: 80 } } }, containers: { main: { image: 'v:1' } } };
    const rendered = render(workload);
    expect(find(rendered.manifests, 'Service').metadata.name).toMatch(/^w-3d-viewer-[0-9a-f]{8}$/);
    expect(validateManifests(rendered.manifests)).toEqual({ ok: true });
  });

  it('writes every YAML file as one document', () => {
    const rendered = render(fullWorkload(), { images: { 'container-two2': 'b:1' } });
    for (const file of rendered.files) expect(parseAllDocuments(file.content)).toHaveLength(1);
  });
});
