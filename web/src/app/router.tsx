import { createBrowserRouter } from 'react-router';
import { SignInPage } from '../features/auth/sign-in-page.js';
import { HomePage } from '../features/home/home-page.js';
import { Layout } from './layout.js';
import { RequireSignIn } from '../features/auth/require-sign-in.js';
import { NotFoundPage } from '../components/not-found-page.js';
import { TemplatesPage } from '../features/create/components/templates-page.js';
import { TemplateFormPage } from '../features/create/components/template-form-page.js';
import { RunPage } from '../features/create/components/run-page.js';
import { RunsPage } from '../features/runs/components/runs-page.js';
import { PipelineRunPage } from '../features/runs/components/pipeline-run-page.js';
import { EnvironmentsPage } from '../features/environments/components/environments-page.js';
import { EnvironmentPage } from '../features/environments/components/environment-page.js';
import { MePage } from '../features/me/components/me-page.js';
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
      { path: 'create', element: <TemplatesPage /> },
      { path: 'create/templates/:namespace/:name', element: <TemplateFormPage /> },
      { path: 'create/runs/:id', element: <RunPage /> },
      { path: 'runs', element: <RunsPage /> },
      { path: 'runs/pipelines/:id', element: <PipelineRunPage /> },
      { path: 'environments', element: <EnvironmentsPage /> },
      { path: 'environments/:name', element: <EnvironmentPage /> },
      { path: 'me', element: <MePage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
