import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

/** One page of a template's form, as Backstage's scaffolder serves it: JSON Schema with `ui:*` keys inline. */
export interface ParameterStep {
  title: string;
  description?: string;
  schema: Record<string, unknown>;
}

export interface ParameterSchema {
  title: string;
  description?: string;
  steps: ParameterStep[];
}

export const getParameterSchema = (namespace: string, name: string) =>
  api<ParameterSchema>(`/api/scaffolder/v2/templates/${encodeURIComponent(namespace)}/template/${encodeURIComponent(name)}/parameter-schema`);

export const parameterSchemaQueryOptions = (namespace: string, name: string) =>
  queryOptions({ queryKey: ['create', 'parameter-schema', namespace, name], queryFn: () => getParameterSchema(namespace, name) });

export const useParameterSchema = (namespace: string, name: string) => useQuery(parameterSchemaQueryOptions(namespace, name));
