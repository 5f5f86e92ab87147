import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { ApiError, api, session } from '../../api/client.js';
import type { Me } from '../../api/use-me.js';

/**
 * Sign-in with an API token. The form checks the token against the server before keeping it;
 * password and OIDC sign-in will be other methods on this page, each ending in a token.
 */
export function SignInPage() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('/api/access/me', { token: token.trim() });
      session.signIn(token.trim());
      queryClient.clear();
      queryClient.setQueryData(['me'], me);
      navigate(from, { replace: true });
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'That token is not valid (expired, revoked or mistyped).' : `Could not sign in: ${(caught as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Paved</h1>
        <p className="muted">Use an API token: the administrator token printed at first start, or one made with <code>paved token create</code>.</p>
        <label htmlFor="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" value={token} onChange={(event) => setToken(event.target.value)} required autoFocus />
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
