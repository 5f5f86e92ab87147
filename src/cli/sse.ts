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
