import { useState } from 'react';
import { ApiError } from '../../../api/client.js';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { type RepositoryName, useBranches, useFile, useTree } from '../api/get-repository.js';

/** The repository the entity's code lives in: how to clone it, its branches, its files, its README. */
export function RepositoryTab({ repository }: { repository: RepositoryName }) {
  const branches = useBranches(repository);
  const [ref, setRef] = useState('main');
  const [path, setPath] = useState('');
  const cloneUrl = `${window.location.origin}/git/${repository.namespace}/${repository.name}.git`;

  if (branches.isPending) return <LoadingState label="Loading the repository" />;
  if (branches.error) {
    if (branches.error instanceof ApiError && branches.error.status === 404) {
      return <EmptyState title={`No repository ${repository.namespace}/${repository.name}`}>The entity names a repository Paved does not host.</EmptyState>;
    }
    return <ErrorState error={branches.error} retry={() => void branches.refetch()} />;
  }
  const items = branches.data.items;
  if (items.length === 0) return <EmptyState title="The repository is empty">Push to {cloneUrl} to begin.</EmptyState>;
  const current = items.some((branch) => branch.name === ref) ? ref : (items[0]?.name ?? 'main');

  return (
    <div className="repository-tab">
      <div className="repository-bar">
        <div>
          <label htmlFor="clone-url">Clone URL</label>
          <div className="clone">
            <input id="clone-url" readOnly value={cloneUrl} onFocus={(event) => event.target.select()} />
            <button type="button" onClick={() => void navigator.clipboard?.writeText(`git clone ${cloneUrl}`)}>
              Copy <span className="sr-only">the git clone command</span>
            </button>
          </div>
        </div>
        <div>
          <label htmlFor="branch">Branch</label>
          <select
            id="branch"
            value={current}
            onChange={(event) => {
              setRef(event.target.value);
              setPath('');
            }}
          >
            {items.map((branch) => (
              <option key={branch.name} value={branch.name}>
                {branch.name} ({branch.commit.slice(0, 7)})
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="grid repository-grid">
        <FileTree repository={repository} gitRef={current} path={path} onOpen={setPath} />
        <Readme repository={repository} gitRef={current} />
      </div>
    </div>
  );
}

/** One directory at a time; folders open in place, `..` goes up. */
function FileTree({ repository, gitRef, path, onOpen }: { repository: RepositoryName; gitRef: string; path: string; onOpen: (path: string) => void }) {
  const tree = useTree(repository, gitRef, path);
  const [file, setFile] = useState<string | undefined>();
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  return (
    <article className="card" aria-labelledby="files-title">
      <h2 id="files-title">
        Files <span className="muted">/{path}</span>
      </h2>
      {tree.isPending ? (
        <LoadingState label="Loading files" />
      ) : tree.error ? (
        <ErrorState error={tree.error} retry={() => void tree.refetch()} />
      ) : (
        <ul className="list file-tree">
          {path && (
            <li>
              <button type="button" className="link" onClick={() => onOpen(parent)}>
                <span aria-hidden="true">↑ </span>.. <span className="sr-only">(up one folder)</span>
              </button>
            </li>
          )}
          {tree.data.items.length === 0 && <li className="muted">Empty folder</li>}
          {[...tree.data.items]
            .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1))
            .map((entry) => {
              const full = path ? `${path}/${entry.name}` : entry.name;
              return (
                <li key={entry.name}>
                  {entry.type === 'directory' ? (
                    <button type="button" className="link" onClick={() => onOpen(full)}>
                      {entry.name}/
                    </button>
                  ) : (
                    <button type="button" className="link" aria-expanded={file === full} onClick={() => setFile(file === full ? undefined : full)}>
                      {entry.name}
                    </button>
                  )}
                  {entry.size !== null && <span className="muted small"> {entry.size.toLocaleString()} B</span>}
                  {file === full && <FileText repository={repository} gitRef={gitRef} path={full} />}
                </li>
              );
            })}
        </ul>
      )}
    </article>
  );
}

function FileText({ repository, gitRef, path }: { repository: RepositoryName; gitRef: string; path: string }) {
  const file = useFile(repository, gitRef, path);
  if (file.isPending) return <LoadingState label={`Loading ${path}`} />;
  if (file.error) return <ErrorState error={file.error} />;
  return (
    <pre className="file-text" tabIndex={0} aria-label={path}>
      <code>{file.data}</code>
    </pre>
  );
}

/** README.md of the branch, as text. */
function Readme({ repository, gitRef }: { repository: RepositoryName; gitRef: string }) {
  const readme = useFile(repository, gitRef, 'README.md');
  return (
    <article className="card" aria-labelledby="readme-title">
      <h2 id="readme-title">README.md</h2>
      {readme.isPending ? (
        <LoadingState label="Loading the README" />
      ) : readme.error ? (
        readme.error instanceof ApiError && readme.error.status === 404 ? (
          <EmptyState title="No README.md on this branch" />
        ) : (
          <ErrorState error={readme.error} />
        )
      ) : (
        <pre className="readme" tabIndex={0} aria-label="README.md">
          {readme.data}
        </pre>
      )}
    </article>
  );
}
