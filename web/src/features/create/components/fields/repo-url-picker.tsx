import type { FieldProps } from '@rjsf/utils';
import { useState } from 'react';
import { describedBy, uiOptions } from './field-frame.js';

/** Backstage's repository location: `github.com?owner=acme&repo=orders`. */
export function parseRepoUrl(value: string | undefined) {
  const [host = '', query = ''] = (value ?? '').split('?');
  const params = new URLSearchParams(query);
  return { host, owner: params.get('owner') ?? '', repo: params.get('repo') ?? '' };
}

export function formatRepoUrl(parts: { host: string; owner: string; repo: string }) {
  const params = new URLSearchParams();
  if (parts.owner) params.set('owner', parts.owner);
  if (parts.repo) params.set('repo', parts.repo);
  return `${parts.host}?${params.toString()}`;
}

/** Where to publish: a host from `ui:options.allowedHosts`, then owner and repository. */
export function RepoUrlPicker(props: FieldProps<string>) {
  const id = props.fieldPathId.$id;
  const allowedHosts = (uiOptions(props).allowedHosts as string[] | undefined) ?? [window.location.host];
  const parts = parseRepoUrl(props.formData);
  // The host is kept here too: chosen before owner and repository, it has no value to live in yet.
  const [chosenHost, setChosenHost] = useState(parts.host || allowedHosts[0] || '');
  const host = parts.host || chosenHost;
  const set = (change: Partial<typeof parts>) => {
    const next = { ...parts, host, ...change };
    if (change.host) setChosenHost(change.host);
    props.onChange(next.owner || next.repo ? formatRepoUrl(next) : undefined, props.fieldPathId.path);
  };
  const title = props.schema.title ?? 'Repository location';
  const disabled = props.disabled || props.readonly;

  return (
    <fieldset className="custom-field repo-url-picker" aria-describedby={describedBy(props)}>
      <legend>
        {title}
        {props.required && <span aria-hidden="true"> *</span>}
      </legend>
      {props.schema.description && (
        <p id={`${id}__description`} className="field-description muted">
          {props.schema.description}
        </p>
      )}
      <div className="repo-url-parts">
        <div>
          <label htmlFor={`${id}-host`}>Host</label>
          <select id={`${id}-host`} value={host} disabled={disabled || allowedHosts.length < 2} onChange={(event) => set({ host: event.target.value })}>
            {allowedHosts.map((allowed) => (
              <option key={allowed} value={allowed}>
                {allowed}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={id}>Owner</label>
          <input id={id} type="text" value={parts.owner} required={props.required} disabled={disabled} autoFocus={props.autofocus} autoComplete="off" onChange={(event) => set({ owner: event.target.value.trim() })} />
        </div>
        <div>
          <label htmlFor={`${id}-repo`}>Repository</label>
          <input id={`${id}-repo`} type="text" value={parts.repo} required={props.required} disabled={disabled} autoComplete="off" onChange={(event) => set({ repo: event.target.value.trim() })} />
        </div>
      </div>
    </fieldset>
  );
}
