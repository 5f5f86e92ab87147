import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, type Output } from './output.js';

/** The `event` and `data` of each message of a server-sent event stream. */
export async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer = (buffer + decoder.decode(chunk, { stream: true })).replace(/\r\n/g, '\n');
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const fields = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const values = (name: string) => fields.filter((field) => field === name || field.startsWith(`${name}:`)).map((field) => field.slice(name.length + 1).replace(/^ /, ''));
      const data = values('data');
      if (data.length > 0) yield { event: values('event').at(-1) ?? 'message', data: data.join('\n') };
    }
  }
}

/**
 * A message's data as JSON, or the text itself when it is not JSON: `checked` then reports what
 * came, rather than a parse error.
 */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Reads a server-sent event stream until `onMessage` says it is over, reconnecting from
 * `lastEventId()` when it drops; a server that is restarting gets half a minute to come back,
 * then `lost()` is thrown. Resolves false at once when the stream cannot be had at all (a proxy
 * that refuses or buffers it), so the caller can poll instead.
 */
export async function readEventStream(options: {
  url: string;
  token: string;
  out: Output;
  lastEventId(): number;
  /** What the ids count, for the note on reconnecting: `line`, `event`. */
  unit: string;
  onMessage(message: { event: string; data: string }): boolean | Promise<boolean>;
  lost(): CliError;
}): Promise<boolean> {
  const { out } = options;
  let retries = 0;
  let brokenSince: number | undefined;
  for (;;) {
    const after = options.lastEventId();
    try {
      out.debug(`GET ${options.url} (Last-Event-ID ${after})`);
      const response = await fetch(options.url, { headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream', ...(after > 0 ? { 'last-event-id': String(after) } : {}) } });
      if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        out.debug(`the event stream answered HTTP ${response.status} ${response.headers.get('content-type') ?? ''}; polling instead`);
        await response.body?.cancel();
        return false;
      }
      brokenSince = undefined;
      for await (const message of sseMessages(response.body)) {
        if (await options.onMessage(message)) return true;
        retries = 0;
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      out.debug(`the event stream broke: ${(error as Error).message}`);
    }
    brokenSince ??= Date.now();
    if (Date.now() - brokenSince > 30_000) throw options.lost();
    out.note(`The event stream dropped; reconnecting after ${options.unit} ${options.lastEventId()}…`);
    await sleep(Math.min(250 * 2 ** retries++, 2_000));
  }
}
