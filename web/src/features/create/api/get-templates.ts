import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export interface TemplateSummary {
  kind: string;
  metadata: { name: string; namespace?: string; title?: string; description?: string; tags?: string[] };
  spec?: { type?: string };
}

export const getTemplates = () =>
  api<{ items: TemplateSummary[] }>(`/api/catalog/entities/by-query?filter=${encodeURIComponent('kind=template')}&fields=kind,metadata,spec.type&orderField=metadata.title,asc&limit=200`);

export const templatesQueryOptions = () => queryOptions({ queryKey: ['create', 'templates'], queryFn: getTemplates });

export const useTemplates = () => useQuery(templatesQueryOptions());
