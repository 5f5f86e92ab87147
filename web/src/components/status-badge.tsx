/** A status as a coloured word: the colour helps, the word carries the meaning. */
const TONES: Record<string, 'ok' | 'bad' | 'busy' | 'idle'> = {
  succeeded: 'ok',
  completed: 'ok',
  ready: 'ok',
  failed: 'bad',
  rejected: 'bad',
  'crash-loop': 'bad',
  unhealthy: 'bad',
  cancelled: 'idle',
  running: 'busy',
  processing: 'busy',
  deploying: 'busy',
  queued: 'busy',
  open: 'busy',
  starting: 'busy',
  awaiting_approval: 'busy',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${TONES[status] ?? 'idle'}`}>{status.replaceAll('_', ' ')}</span>;
}
