/** Calls a git host's REST API with a token; errors say which call failed and what the host said. */
export async function callHostApi<T>(host: string, url: string, init: { method?: string; headers: Record<string, string>; body?: unknown; signal: AbortSignal }): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body ? JSON.stringify(init.body) : undefined,
    signal: init.signal,
    redirect: 'error',
  });
  const text = await response.text();
  if (!response.ok) {
    let reason = text.slice(0, 300);
    try {
      reason = (JSON.parse(text) as { message?: string }).message ?? reason;
    } catch {
      // not JSON: keep the text
    }
    throw new Error(`${host}: ${init.method ?? 'GET'} ${new URL(url).pathname} answered ${response.status}: ${reason}`);
  }
  return JSON.parse(text) as T;
}

/** Who pushes the first commit: from the step's input, else the user running the template. */
export function commitAuthor(userRef: string, input: { gitAuthorName?: string; gitAuthorEmail?: string }) {
  const userName = userRef.replace(/^user:(default\/)?/, '');
  return { name: input.gitAuthorName ?? userName, email: input.gitAuthorEmail ?? `${userName}@paved.local` };
}
