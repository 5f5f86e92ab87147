import { useEffect, useState } from 'react';
import { session } from '../api/client.js';

/** Where a followed stream stands. */
export type StreamConnection = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface EventStream<TLog, TEnd> {
  logs: TLog[];
  completion: TEnd | null;
  connection: StreamConnection;
  error: string | null;
}

const RECONNECT_MS = 1_000;

/**
 * Follows one of Paved's task streams (server-sent events with `log` and `completion` events).
 * `EventSource` cannot send the Authorization header, so this reads the body with `fetch`; a
 * dropped connection resumes from the last event id, and the stream ends at `completion` (or at
 * `error`, when the server ends it because the token stopped working).
 */
export function useEventStream<TLog, TEnd>(url: string | null): EventStream<TLog, TEnd> {
  const [state, setState] = useState<EventStream<TLog, TEnd>>({ logs: [], completion: null, connection: 'connecting', error: null });

  useEffect(() => {
    setState({ logs: [], completion: null, connection: 'connecting', error: null });
    if (!url) return;
    const abort = new AbortController();
    let lastId: string | undefined;
    let finished = false;

    async function follow() {
      const token = session.token();
      const response = await fetch(url!, {
        signal: abort.signal,
        headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(lastId ? { 'last-event-id': lastId } : {}) },
      });
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        let message = `${response.status} ${response.statusText}`;
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
        } catch {
          // Not JSON: keep the status line.
        }
        throw Object.assign(new Error(message), { fatal: response.status >= 400 && response.status < 500 });
      }
      setState((previous) => ({ ...previous, connection: 'live', error: null }));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop() ?? '';
        const logs: TLog[] = [];
        let completion: TEnd | null = null;
        let lostAccess: string | null = null;
        for (const block of blocks) {
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split(/\r?\n/)) {
            if (line.startsWith('id:')) lastId = line.slice(3).trim();
            else if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (data.length === 0) continue;
          const parsed = JSON.parse(data.join('\n')) as unknown;
          if (event === 'log') logs.push(parsed as TLog);
          else if (event === 'completion') completion = parsed as TEnd;
          // The server ends a stream whose token stopped working (revoked, expired, user gone).
          else if (event === 'error') lostAccess = (parsed as { error?: { message?: string } }).error?.message ?? 'The stream ended';
        }
        if (lostAccess) {
          finished = true;
          const message = lostAccess;
          setState((previous) => ({ ...previous, logs: [...previous.logs, ...logs], connection: 'ended', error: message }));
          return;
        }
        if (logs.length > 0 || completion) {
          if (completion) finished = true;
          setState((previous) => ({ ...previous, logs: logs.length > 0 ? [...previous.logs, ...logs] : previous.logs, completion: completion ?? previous.completion, connection: completion ? 'ended' : previous.connection }));
        }
      }
    }

    void (async () => {
      while (!abort.signal.aborted && !finished) {
        try {
          await follow();
          if (finished) break;
          setState((previous) => ({ ...previous, connection: 'reconnecting' }));
        } catch (error) {
          if (abort.signal.aborted) return;
          const fatal = (error as { fatal?: boolean }).fatal === true;
          setState((previous) => ({ ...previous, connection: fatal ? 'ended' : 'reconnecting', error: (error as Error).message }));
          if (fatal) return;
        }
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    })();
    return () => abort.abort();
  }, [url]);

  return state;
}
