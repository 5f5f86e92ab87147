import { useQueryClient } from '@tanstack/react-query';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { session } from '../api/client.js';
import { useMe } from '../api/use-me.js';

/** The frame of every signed-in page: the main navigation, who is signed in, and the page. */
export const NAVIGATION = [
  { to: '/', label: 'Home', end: true },
  { to: '/catalog', label: 'Catalog' },
  { to: '/create', label: 'Create' },
  { to: '/runs', label: 'Runs' },
  { to: '/environments', label: 'Environments' },
];

export function Layout() {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const name = me.data?.userRef.replace(/^user:(default\/)?/, '') ?? '';

  function signOut() {
    session.signOut();
    queryClient.clear();
    navigate('/sign-in');
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Paved home">
          Paved
        </NavLink>
        <nav aria-label="Main">
          <ul>
            {NAVIGATION.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end ?? false}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="user">
          <NavLink to="/me" className="user-name" aria-label={`Signed in as ${name}: your profile and tokens`}>
            {name}
          </NavLink>
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
