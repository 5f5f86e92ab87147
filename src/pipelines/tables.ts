/** One pipeline run; its progress and outcome are the task's (the run id is the task id). */
export interface PipelineRunsTable {
  id: string;
  namespace: string;
  name: string;
  /** 1, 2, 3, … per repository. */
  number: number;
  branch: string;
  commit: string;
  event: 'push' | 'manual' | 'schedule';
  created_by: string;
  created_at: string;
}

/** A cron trigger of a repository's pipeline, as its default branch's file declares it. */
export interface PipelineSchedulesTable {
  namespace: string;
  name: string;
  branch: string;
  cron: string;
  /** When it fires next (ISO, UTC); moving it forward is how one replica claims a firing. */
  next_at: string;
}

export interface PipelinesTables {
  pipeline_runs: PipelineRunsTable;
  pipeline_schedules: PipelineSchedulesTable;
}
