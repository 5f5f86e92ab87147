import { type FormEvent, useState } from 'react';
import { useCreateToken } from '../api/create-token.js';

const EXPIRIES = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  // Every token expires; the server refuses more than its configured most (a year by default).
  { days: 365, label: '1 year' },
];

/** Makes a token and shows its secret once, with a copy button. */
export function NewTokenForm() {
  const [name, setName] = useState('');
  const [days, setDays] = useState(30);
  const [copied, setCopied] = useState(false);
  const create = useCreateToken();

  function submit(event: FormEvent) {
    event.preventDefault();
    setCopied(false);
    create.mutate({ name: name.trim(), ...(days > 0 ? { expiresInDays: days } : {}) }, { onSuccess: () => setName('') });
  }

  async function copy(secret: string) {
    await navigator.clipboard.writeText(secret);
    setCopied(true);
  }

  return (
    <div className="new-token">
      <form onSubmit={submit} className="inline-form" aria-label="New token">
        <div>
          <label htmlFor="token-name">Token name</label>
          <input id="token-name" value={name} onChange={(event) => setName(event.target.value)} maxLength={100} required placeholder="laptop CLI" autoComplete="off" />
        </div>
        <div>
          <label htmlFor="token-expiry">Expires after</label>
          <select id="token-expiry" value={days} onChange={(event) => setDays(Number(event.target.value))}>
            {EXPIRIES.map((expiry) => (
              <option key={expiry.days} value={expiry.days}>
                {expiry.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={create.isPending || name.trim() === ''}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </button>
      </form>
      {create.error && (
        <p role="alert" className="error-text">
          {create.error.message}
        </p>
      )}
      {create.data && (
        <div className="token-secret" role="status" aria-labelledby="token-secret-title">
          <p id="token-secret-title">
            <strong>Token “{create.data.name}” created.</strong> Copy it now: it is not shown again.
          </p>
          <div className="secret-row">
            <code aria-label="New token secret">{create.data.token}</code>
            <button type="button" onClick={() => void copy(create.data.token)}>
              {copied ? 'Copied' : 'Copy token'}
            </button>
          </div>
          <button type="button" className="link" onClick={() => create.reset()}>
            Done, hide it
          </button>
        </div>
      )}
    </div>
  );
}
