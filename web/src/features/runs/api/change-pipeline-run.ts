import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { PipelineRun } from './get-pipeline-runs.js';
import { pipelineRunQueryOptions } from './get-pipeline-run.js';

/** Cancels a run, or runs a failed or cancelled one again (both for those who may push). */
export const changePipelineRun = (id: string, action: 'cancel' | 'rerun') => api<PipelineRun>(`/api/pipelines/runs/${encodeURIComponent(id)}/${action}`, { method: 'POST' });

export function useChangePipelineRun(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: 'cancel' | 'rerun') => changePipelineRun(id, action),
    onSuccess: (run) => {
      queryClient.setQueryData(pipelineRunQueryOptions(id).queryKey, run);
      void queryClient.invalidateQueries({ queryKey: ['runs', 'pipeline'] });
    },
  });
}
