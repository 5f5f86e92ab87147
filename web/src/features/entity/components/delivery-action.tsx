import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { StatusBadge } from '../../../components/status-badge.js';
import type { Deployment } from '../../../api/delivery.js';
import { isSettled, useDeployment } from '../api/get-deliveries.js';

/**
 * A button that changes what runs (promote, roll back): it asks first, then calls, then shows
 * the new deployment's status until it settles — or the server's reason next to the button.
 */
export function DeliveryAction({ label, question, run }: { label: string; question: string; run: () => Promise<Deployment> }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [started, setStarted] = useState<Deployment | undefined>();

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      setStarted(await run());
      setConfirming(false);
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="delivery-action">
      {confirming ? (
        <div role="group" aria-label={label} className="confirm">
          <span>{question}</span>
          <button type="button" className="primary" disabled={busy} onClick={() => void confirm()}>
            {busy ? 'Working…' : 'Confirm'}
          </button>
          <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          onClick={() => {
            setConfirming(true);
            setError(undefined);
          }}
        >
          {label}
        </button>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {started && <StartedDeployment deployment={started} />}
    </div>
  );
}

/** The deployment an action started, polled until it has succeeded or failed. */
function StartedDeployment({ deployment }: { deployment: Deployment }) {
  const current = useDeployment(deployment.id);
  const shown = current.data ?? deployment;
  const queryClient = useQueryClient();
  const settled = isSettled(shown);
  // What runs where changed when it settled: show it.
  useEffect(() => {
    if (settled) void queryClient.invalidateQueries({ queryKey: ['delivery'], predicate: (query) => query.queryKey[1] !== 'deployment' });
  }, [settled, queryClient]);
  return (
    <p className="started" role="status" aria-live="polite">
      Deployment #{shown.number} to {shown.environment}: <StatusBadge status={shown.status} />
      {shown.error && <span className="error-text"> {shown.error}</span>}
    </p>
  );
}
