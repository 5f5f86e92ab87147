import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ApiError, session } from '../../api/client.js';
import { LoadingState } from '../../components/states.js';
import { useMe } from '../../api/use-me.js';

/** Pages behind it need a valid token; without one (or with a revoked one) the user signs in first. */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const location = useLocation();
  const me = useMe();
  const signIn = <Navigate to="/sign-in" replace state={{ from: `${location.pathname}${location.search}` }} />;
  if (!session.token()) return signIn;
  if (me.error instanceof ApiError && me.error.status === 401) {
    session.signOut();
    return signIn;
  }
  if (me.isPending) return <LoadingState label="Signing in" />;
  return children;
}
