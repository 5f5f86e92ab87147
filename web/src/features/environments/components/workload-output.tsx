import { ApiError } from '../../../api/client.js';
import { LogView } from '../../../components/log-view.js';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { useWorkloadLogs } from '../api/get-workload-logs.js';

/** A workload's recent output, read again every few seconds while shown. */
export function WorkloadOutput({ environment, workload }: { environment: string; workload: string }) {
  const logs = useWorkloadLogs(environment, workload);
  if (logs.isPending) return <LoadingState label="Loading output" />;
  if (logs.error) {
    if (logs.error instanceof ApiError && logs.error.status === 404) return <EmptyState title="No output here">{logs.error.message}</EmptyState>;
    return <ErrorState error={logs.error} retry={() => void logs.refetch()} />;
  }
  return (
    <LogView
      label={`Output of ${workload}`}
      empty="No output yet."
      lines={logs.data.items.map((line, index) => ({
        key: `${index}-${line.at}`,
        text: line.text,
        tag: line.container && line.container !== workload ? `${line.container} ${line.stream}` : line.stream,
        ...(line.stream === 'stderr' ? { tone: 'error' as const } : line.stream === 'paved' ? { tone: 'muted' as const } : {}),
      }))}
    />
  );
}
