import { useEffect, useRef } from 'react';

export interface LogViewLine {
  key: string | number;
  text: string;
  /** A short tag shown before the line (a step, a stream). */
  tag?: string;
  tone?: 'error' | 'muted';
}

/**
 * A live log: announced politely to screen readers, scrollable by keyboard, and kept at the
 * bottom while the reader is there (scrolling up stops the following).
 */
export function LogView({ lines, label = 'Log', empty = 'Nothing logged yet.' }: { lines: LogViewLine[]; label?: string; empty?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  useEffect(() => {
    const element = box.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [lines.length]);

  return (
    <div
      ref={box}
      className="log-view"
      role="log"
      aria-live="polite"
      aria-label={label}
      tabIndex={0}
      onScroll={(event) => {
        const element = event.currentTarget;
        following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
      }}
    >
      {lines.length === 0 ? (
        <span className="muted">{empty}</span>
      ) : (
        lines.map((line) => (
          <div key={line.key} className={`log-line${line.tone ? ` ${line.tone}` : ''}`}>
            {line.tag && <span className="log-tag">{line.tag} </span>}
            {line.text}
          </div>
        ))
      )}
    </div>
  );
}
