import { session } from '../../../api/client.js';
import { ConfirmButton } from '../../../components/confirm-button.js';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { type ApiToken, useTokens } from '../api/get-tokens.js';
import { useRevokeToken } from '../api/revoke-token.js';

const date = (value: string | null, none: string) => (value ? new Date(value).toLocaleDateString() : none);
const tokenStatus = (token: ApiToken) => (token.revokedAt ? 'revoked' : token.expiresAt && Date.parse(token.expiresAt) < Date.now() ? 'expired' : 'active');

/** The user's tokens: when made, last used, when they expire; revoke with confirmation. */
export function TokensTable() {
  const tokens = useTokens();
  const revoke = useRevokeToken();
  if (tokens.isPending) return <LoadingState label="Loading tokens" />;
  if (tokens.error) return <ErrorState error={tokens.error} retry={() => void tokens.refetch()} />;
  if (tokens.data.items.length === 0) return <EmptyState title="No tokens yet">Create one for the CLI or a script.</EmptyState>;
  return (
    <div className="table-scroll">
      <table aria-label="Tokens">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Starts with</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.data.items.map((token) => {
            const status = tokenStatus(token);
            return (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>
                  <code>{token.prefix}…</code>
                </td>
                <td>{date(token.createdAt, '—')}</td>
                <td>{date(token.lastUsedAt, 'never')}</td>
                <td>{date(token.expiresAt, 'never')}</td>
                <td>
                  {status === 'active' ? <span className="badge ok">active</span> : <StatusBadge status={status} />}
                </td>
                <td>
                  {status !== 'revoked' && (
                    <ConfirmButton
                      label={`Revoke ${token.name}`}
                      title={`Revoke the token “${token.name}”?`}
                      description={`Anything using it is refused from now on. This cannot be undone.${session.token()?.startsWith(token.prefix) ? ' It is the token you are signed in with: you will have to sign in again.' : ''}`}
                      confirmLabel="Revoke"
                      onConfirm={() => revoke.mutateAsync(token.id)}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
