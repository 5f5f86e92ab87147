import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { type CommitFilesOptions, commitFilesToBranch } from './commit-files.js';

const run = promisify(execFile);
const author = { name: 'Paved', email: 'paved@example.com' };

describe('commitFilesToBranch', () => {
  let root: string;
  let bare: string;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'paved-commit-files-test-'));
    bare = path.join(root, 'delivery.git');
    await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', bare]);
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const git = async (...args: string[]) => (await run('git', ['--git-dir', bare, ...args])).stdout.trim();
  const filesAt = async (ref: string) => (await git('ls-tree', '-r', '--name-only', ref)).split('\n').filter(Boolean);
  const commitFiles = (options: Partial<CommitFilesOptions> & Pick<CommitFilesOptions, 'files'>) =>
    commitFilesToBranch(bare, { branch: 'dev', message: 'deliver', author, ...options });

  it('creates the branch with the files as its first commit', async () => {
    const { commit } = await commitFiles({ files: [{ path: 'workloads/checkout/deployment.yaml', content: 'kind: Deployment\n' }] });

    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await git('rev-parse', 'refs/heads/dev')).toBe(commit);
    expect(await git('show', 'dev:workloads/checkout/deployment.yaml')).toBe('kind: Deployment');
    expect(await git('log', '--format=%an <%ae> %s', 'dev')).toBe('Paved <paved@example.com> deliver');
  });

  it('commits on top of the current tip, keeping the files it does not touch', async () => {
    const first = await commitFiles({ files: [{ path: 'workloads/checkout/deployment.yaml', content: 'a\n' }] });
    const second = await commitFiles({ files: [{ path: 'workloads/cart/deployment.yaml', content: 'b\n' }] });

    expect(await git('rev-parse', `${second.commit}^`)).toBe(first.commit);
    expect(await filesAt('dev')).toEqual(['workloads/cart/deployment.yaml', 'workloads/checkout/deployment.yaml']);
  });

  it('replaces the folder named by replacePrefix wholesale, removing stale files', async () => {
    await commitFiles({
      files: [
        { path: 'workloads/checkout/deployment.yaml', content: 'a\n' },
        { path: 'workloads/checkout/ingress.yaml', content: 'b\n' },
        { path: 'workloads/checkout-api/deployment.yaml', content: 'c\n' },
      ],
    });
    await commitFiles({ replacePrefix: 'workloads/checkout', files: [{ path: 'workloads/checkout/deployment.yaml', content: 'a2\n' }] });

    expect(await filesAt('dev')).toEqual(['workloads/checkout-api/deployment.yaml', 'workloads/checkout/deployment.yaml']);
    expect(await git('show', 'dev:workloads/checkout/deployment.yaml')).toBe('a2');
  });

  it('makes no commit and returns undefined when the tree would not change', async () => {
    const files = [{ path: 'workloads/checkout/deployment.yaml', content: 'a\n' }];
    const first = await commitFiles({ replacePrefix: 'workloads/checkout', files });
    const again = await commitFiles({ replacePrefix: 'workloads/checkout', files });

    expect(again.commit).toBeUndefined();
    expect(await git('rev-parse', 'refs/heads/dev')).toBe(first.commit);
  });

  it('leaves other branches alone', async () => {
    await commitFiles({ branch: 'main', files: [{ path: 'README.md', content: '# delivery\n' }] });
    await commitFiles({ branch: 'dev', files: [{ path: 'workloads/a/deployment.yaml', content: 'a\n' }] });

    expect(await filesAt('main')).toEqual(['README.md']);
    expect(await filesAt('dev')).toEqual(['workloads/a/deployment.yaml']);
  });

  it('does not lose a concurrent writer: both commits end up on the branch', async () => {
    await commitFiles({ files: [{ path: 'base.yaml', content: 'base\n' }] });
    const writes = Array.from({ length: 4 }, (_, index) => commitFiles({ files: [{ path: `workloads/w${index}/deployment.yaml`, content: `${index}\n` }] }));
    const results = await Promise.allSettled(writes);

    // Each write either landed, or was refused after its retry (never silently overwritten).
    const landed = results.filter((result) => result.status === 'fulfilled').length;
    expect(landed).toBeGreaterThanOrEqual(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'git.concurrent_update' });
    const files = await filesAt('dev');
    expect(files.filter((file) => file.startsWith('workloads/'))).toHaveLength(landed);
    expect(Number(await git('rev-list', '--count', 'dev'))).toBe(1 + landed);
  });

  it.each(['../escape.yaml', '/etc/passwd', 'workloads//deployment.yaml', 'workloads/./x.yaml', 'workloads/a/../../x', '.git/config', ''])('refuses the path %j', async (bad) => {
    await expect(commitFiles({ files: [{ path: bad, content: 'x' }] })).rejects.toMatchObject({ code: 'git.invalid_path' });
    await expect(commitFiles({ replacePrefix: bad, files: [] })).rejects.toBeInstanceOf(InvalidInputError);
    expect(await git('for-each-ref')).toBe('');
  });

  it('refuses a branch that is not a plain name', async () => {
    await expect(commitFiles({ branch: '--force', files: [] })).rejects.toMatchObject({ code: 'git.invalid_branch' });
  });
});
