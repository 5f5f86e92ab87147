/** One pipeline run; its progress and outcome are the task's (the run id is the task id). */
export interface PipelineRunsTable {
  id: string;
  namespace: string;
  name: string;
  /** 1, 2, 3, … per repository. */
  number: number;
  branch: string;
  commit: string;
  event: 'push' | 'manual';
  created_by: string;
  created_at: string;
}

export interface PipelinesTables {
  pipeline_runs: PipelineRunsTable;
}
