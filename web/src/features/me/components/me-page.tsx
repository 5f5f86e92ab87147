import { EntityLink } from '../../../components/entity-name.js';
import { EmptyState, LoadingState } from '../../../components/states.js';
import { useMe } from '../../../api/use-me.js';
import { useUserEntity } from '../api/get-user-entity.js';
import { NewTokenForm } from './new-token-form.js';
import { TokensTable } from './tokens-table.js';

/** The signed-in user: who they are, their teams, and their API tokens. */
export function MePage() {
  const me = useMe();
  const entity = useUserEntity(me.data?.userRef);
  if (me.isPending) return <LoadingState />;
  const userRef = me.data?.userRef ?? '';
  const profile = entity.data?.spec?.profile;
  const teams = (me.data?.ownershipRefs ?? []).filter((ref) => ref.startsWith('group:'));
  return (
    <section className="page me-page" aria-labelledby="me-title">
      <h1 id="me-title">{profile?.displayName ?? userRef.replace(/^user:(default\/)?/, '')}</h1>
      <div className="grid">
        <article className="card" aria-labelledby="me-profile">
          <h2 id="me-profile">Profile</h2>
          <dl className="fact-list">
            <div>
              <dt>User</dt>
              <dd>
                <code>{userRef}</code>
              </dd>
            </div>
            {profile?.email && (
              <div>
                <dt>Email</dt>
                <dd>
                  <a href={`mailto:${profile.email}`}>{profile.email}</a>
                </dd>
              </div>
            )}
            <div>
              <dt>Role</dt>
              <dd>{me.data?.isAdmin ? 'Administrator' : 'Member'}</dd>
            </div>
          </dl>
          {entity.isPending && <LoadingState label="Loading your profile" />}
          {entity.error && <p className="muted">Your profile could not be read: {entity.error.message}</p>}
          {entity.data === null && <p className="muted">No User entity in the catalog for {userRef}.</p>}
        </article>
        <article className="card" aria-labelledby="me-teams">
          <h2 id="me-teams">Teams</h2>
          {teams.length === 0 ? (
            <EmptyState title="You are in no team" />
          ) : (
            <ul className="list">
              {teams.map((team) => (
                <li key={team}>
                  <EntityLink entityRef={team} />
                </li>
              ))}
            </ul>
          )}
        </article>
      </div>
      <article className="card tokens-card" aria-labelledby="me-tokens">
        <h2 id="me-tokens">API tokens</h2>
        <p className="muted">Tokens sign the CLI and scripts in as you. Treat them like passwords.</p>
        <NewTokenForm />
        <TokensTable />
      </article>
    </section>
  );
}
