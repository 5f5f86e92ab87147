import { session } from '../../../api/client.js';
import type { PipelineRun } from './get-pipeline-runs.js';

/** One line of a run's log, as the `log` event carries it. */
export interface RunLogLine {
  seq: number;
  at: string;
  level: 'info' | 'warn' | 'error';
  stepId: string | null;
  stepStatus: string | null;
  message: string;
}

export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/** Splits a server-sent event stream into its events (`event:`, `data:`, `id:` lines, a blank line ends one). */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event: ServerSentEvent = { event: 'message', data: '' };
  let hasData = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r?\n/)) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
        if (line === '') {
          if (hasData) yield event;
          event = { event: 'message', data: '' };
          hasData = false;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
        else if (field === 'data') {
          event.data = hasData ? `${event.data}\n${value}` : value;
          hasData = true;
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Follows `GET /api/pipelines/runs/:id/events` (log lines, then the finished run) with `fetch`,
 * because EventSource cannot send the Authorization header. A dropped stream is resumed after
 * the last line seen. Resolves when the run is over or `signal` aborts.
 */
export async function followRunEvents(id: string, handlers: { onLine(line: RunLogLine): void; onCompletion(run: PipelineRun): void }, signal: AbortSignal): Promise<void> {
  let after = 0;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const token = session.token();
      const response = await fetch(`/api/pipelines/runs/${encodeURIComponent(id)}/events${after > 0 ? `?after=${after}` : ''}`, {
        headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal,
      });
      if (!response.ok || !response.body) throw new Error(`The log stream answered ${response.status}`);
      for await (const message of readServerSentEvents(response.body)) {
        failures = 0;
        if (message.event === 'log') {
          const line = JSON.parse(message.data) as RunLogLine;
          after = Math.max(after, line.seq);
          handlers.onLine(line);
        } else if (message.event === 'completion') {
          handlers.onCompletion(JSON.parse(message.data) as PipelineRun);
          return;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (++failures > 5) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** failures, 3_000)));
  }
}
