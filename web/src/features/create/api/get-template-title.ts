import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

/** A template's title (or name), for a run's heading: `template:default/node-service` → "Node.js HTTP service". */
export const getTemplateTitle = async (ref: string) => {
  const match = /^(?:template:)?(?:([^/]+)\/)?(.+)$/.exec(ref);
  const namespace = match?.[1] ?? 'default';
  const name = match?.[2] ?? ref;
  const filter = `kind=template,metadata.namespace=${namespace},metadata.name=${name}`;
  const { items } = await api<{ items: { metadata: { name: string; title?: string } }[] }>(`/api/catalog/entities/by-query?filter=${encodeURIComponent(filter)}&fields=metadata.name,metadata.title&limit=1`).catch(() => ({ items: [] }));
  const entity = items[0] ?? { metadata: { name, title: undefined } };
  return entity.metadata.title ?? entity.metadata.name;
};

export const templateTitleQueryOptions = (ref: string) => queryOptions({ queryKey: ['create', 'template-title', ref], queryFn: () => getTemplateTitle(ref), staleTime: 5 * 60_000 });

export const useTemplateTitle = (ref: string | undefined) => useQuery({ ...templateTitleQueryOptions(ref ?? ''), enabled: ref !== undefined });
