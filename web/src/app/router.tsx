import { createBrowserRouter } from 'react-router';
import { SignInPage } from '../features/auth/sign-in-page.js';
import { HomePage } from '../features/home/home-page.js';
import { Layout } from './layout.js';
import { RequireSignIn } from '../features/auth/require-sign-in.js';
import { NotFoundPage } from '../components/not-found-page.js';
import { CatalogPage } from '../features/catalog/components/catalog-page.js';
import { EntityPage } from '../features/entity/components/entity-page.js';

/** Every page of the portal. Pages live in features/; this file only says where. */
export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  {
    element: (
      <RequireSignIn>
        <Layout />
      </RequireSignIn>
    ),
    children: [
      { index: true, element: <HomePage /> },
      { path: 'catalog', element: <CatalogPage /> },
      { path: 'catalog/:namespace/:kind/:name', element: <EntityPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
