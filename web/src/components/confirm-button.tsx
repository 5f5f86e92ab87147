import { useId, useRef, useState } from 'react';

/**
 * A button whose action is confirmed in a modal dialog first (focus moves into it, Escape
 * cancels). A failed action keeps the dialog open and says why.
 */
export function ConfirmButton(props: { label: string; title: string; description: string; confirmLabel: string; onConfirm: () => Promise<unknown>; className?: string; disabled?: boolean }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const descriptionId = useId();

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      dialog.current?.close();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className={props.className} disabled={props.disabled} onClick={() => { setError(null); dialog.current?.showModal(); }}>
        {props.label}
      </button>
      <dialog ref={dialog} className="confirm-dialog" aria-labelledby={titleId} aria-describedby={descriptionId}>
        <h2 id={titleId}>{props.title}</h2>
        <p id={descriptionId}>{props.description}</p>
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={() => void confirm()} disabled={busy} autoFocus>
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
