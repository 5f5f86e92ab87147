/**
 * The portal's one way to call Paved's API: the signed-in token on every request, errors in
 * Paved's shape (`{error: {code, message, details}}`) turned into `ApiError`.
 */
export interface ErrorDetails {
  path?: string;
  line?: number;
  message?: string;
  problems?: ErrorDetails[];
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'paved.token';

export const session = {
  token: (): string | null => localStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => localStorage.setItem(TOKEN_KEY, token),
  signOut: () => localStorage.removeItem(TOKEN_KEY),
};

export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const token = init.token ?? session.token();
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  const body: unknown = text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; details?: ErrorDetails } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? `http.${response.status}`, error?.message ?? `${response.status} ${response.statusText}`, error?.details ?? {});
  }
  return body as T;
}
