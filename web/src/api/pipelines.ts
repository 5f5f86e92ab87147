/** A pipeline run as `/api/pipelines` shows it: the Runs pages and an entity's Pipelines tab both read it. */
export type PipelineRunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const PIPELINE_RUN_STATUSES: PipelineRunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export interface PipelineJob {
  job: string;
  steps: { name: string; exitCode: number | null; durationMs: number; stopped?: string; skipped?: string }[];
}

export interface PipelineRun {
  id: string;
  repository: string;
  number: number;
  branch: string;
  commit: string;
  event: 'push' | 'manual' | 'schedule';
  status: PipelineRunStatus;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  failedJob: string | null;
  jobs: PipelineJob[];
}
