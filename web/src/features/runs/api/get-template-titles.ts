import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

/** Every template's title by its ref (`template:default/node-service` → "Node.js HTTP service"), to name runs. */
export const getTemplateTitles = async () => {
  const { items } = await api<{ items: { metadata: { name: string; namespace?: string; title?: string } }[] }>(
    `/api/catalog/entities/by-query?filter=${encodeURIComponent('kind=template')}&fields=metadata.name,metadata.namespace,metadata.title&limit=1000`,
  );
  return new Map(items.map((item) => [`template:${item.metadata.namespace ?? 'default'}/${item.metadata.name}`, item.metadata.title ?? item.metadata.name]));
};

export const templateTitlesQueryOptions = () => queryOptions({ queryKey: ['runs', 'template-titles'], queryFn: getTemplateTitles, staleTime: 5 * 60_000 });

export const useTemplateTitles = () => useQuery(templateTitlesQueryOptions());
