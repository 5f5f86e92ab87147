import { createBrowserRouter } from 'react-router';
import { NotFoundPage } from '../components/not-found-page.js';
import { RequireSignIn } from '../features/auth/require-sign-in.js';
import { SignInPage } from '../features/auth/sign-in-page.js';
import { CatalogPage } from '../features/catalog/components/catalog-page.js';
import { HomePage } from '../features/home/home-page.js';
import { Layout } from './layout.js';

/**
 * Every page of the portal. Pages live in features/; this file only says where. Home and the
 * catalog come with the first load; the other pages are loaded when first visited, so the form
 * library (Create) and the YAML parser (API definitions) do not slow down everyone's first page.
 */
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
      { path: 'catalog/:namespace/:kind/:name', lazy: async () => ({ Component: (await import('../features/entity/components/entity-page.js')).EntityPage }) },
      { path: 'create', lazy: async () => ({ Component: (await import('../features/create/components/templates-page.js')).TemplatesPage }) },
      { path: 'create/templates/:namespace/:name', lazy: async () => ({ Component: (await import('../features/create/components/template-form-page.js')).TemplateFormPage }) },
      { path: 'create/runs/:id', lazy: async () => ({ Component: (await import('../features/create/components/run-page.js')).RunPage }) },
      { path: 'runs', lazy: async () => ({ Component: (await import('../features/runs/components/runs-page.js')).RunsPage }) },
      { path: 'runs/pipelines/:id', lazy: async () => ({ Component: (await import('../features/runs/components/pipeline-run-page.js')).PipelineRunPage }) },
      { path: 'environments', lazy: async () => ({ Component: (await import('../features/environments/components/environments-page.js')).EnvironmentsPage }) },
      { path: 'environments/:name', lazy: async () => ({ Component: (await import('../features/environments/components/environment-page.js')).EnvironmentPage }) },
      { path: 'me', lazy: async () => ({ Component: (await import('../features/me/components/me-page.js')).MePage }) },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
