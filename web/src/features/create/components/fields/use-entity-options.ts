import { useQuery } from '@tanstack/react-query';
import { api } from '../../../../api/client.js';

interface EntityOption {
  kind: string;
  metadata: { name: string; namespace?: string; title?: string };
  spec?: { profile?: { displayName?: string } };
}

/** One entity a picker offers: its ref (what the form keeps) and what the user reads. */
export interface PickerOption {
  ref: string;
  label: string;
}

type Filter = Record<string, string | string[]>;

/**
 * The catalog filters of a picker: `catalogFilter` (one filter or several, each an OR) wins;
 * else one filter per allowed kind; else `fallbackKinds` (none: every entity).
 */
export function pickerFilters(options: Record<string, unknown>, fallbackKinds: string[]): string[] {
  const catalogFilter = options.catalogFilter as Filter | Filter[] | undefined;
  const allowedKinds = options.allowedKinds as string[] | undefined;
  const filters: Filter[] = catalogFilter ? (Array.isArray(catalogFilter) ? catalogFilter : [catalogFilter]) : (allowedKinds ?? fallbackKinds).map((kind) => ({ kind }));
  // A value list means "any of these": spread it into one filter per value.
  return filters.flatMap((filter) => {
    const entries = Object.entries(filter);
    const listed = entries.find(([, value]) => Array.isArray(value));
    if (!listed) return [entries.map(([key, value]) => `${key}=${String(value)}`).join(',')];
    return (listed[1] as string[]).map((value) => entries.map(([key, other]) => `${key}=${key === listed[0] ? value : String(other)}`).join(','));
  });
}

export function useEntityOptions(filters: string[]) {
  return useQuery({
    queryKey: ['create', 'picker-options', filters],
    queryFn: async (): Promise<PickerOption[]> => {
      const params = filters.map((filter) => `filter=${encodeURIComponent(filter)}`).join('&');
      const { items } = await api<{ items: EntityOption[] }>(
        `/api/catalog/entities/by-query?${params}${params ? '&' : ''}fields=kind,metadata.name,metadata.namespace,metadata.title,spec.profile.displayName&orderField=metadata.name,asc&limit=500`,
      );
      return items.map((entity) => {
        const ref = `${entity.kind.toLowerCase()}:${entity.metadata.namespace ?? 'default'}/${entity.metadata.name}`;
        const shown = entity.spec?.profile?.displayName ?? entity.metadata.title;
        return { ref, label: shown ? `${shown} (${ref})` : ref };
      });
    },
  });
}
