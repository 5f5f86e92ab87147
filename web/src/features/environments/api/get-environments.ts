import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export interface Environment {
  name: string;
  type: string;
  runtime: 'local' | 'kubernetes';
  requiresApproval: boolean;
  longLived: boolean;
  promotesTo: string | null;
  preview: { repository: string; branch: string } | null;
  expiresAt: string | null;
  status: 'active' | 'deleting';
  createdBy: string;
  createdAt: string;
}

/** Every environment: long-lived ones in promotion order, then previews and ad hoc ones. */
export const getEnvironments = () => api<{ items: Environment[] }>('/api/delivery/environments');

export const environmentsQueryOptions = () => queryOptions({ queryKey: ['environments'], queryFn: getEnvironments });

export const useEnvironments = () => useQuery(environmentsQueryOptions());
