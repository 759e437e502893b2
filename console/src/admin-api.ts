/**
 * The dashboard's calls to /api/v1/admin/…: same-origin, with the session cookie the browser
 * holds (HttpOnly: this script never sees it) and, on POST, the session's CSRF token in the
 * header the server named.
 */

export type Answer<T> = ({ ok: true } & T) | { ok: false; status: number; error: { code: string; message: string; retryAfter?: number } };

export class AdminApi {
  private csrf: string | null = null;
  private csrfHeader = 'x-herald-csrf';

  /** Called when the server says the session is gone (401). */
  onLoggedOut: () => void = () => undefined;

  useSession(csrf: string | null, header?: string): void {
    this.csrf = csrf;
    if (header !== undefined) this.csrfHeader = header;
  }

  get<T>(path: string): Promise<Answer<T>> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<Answer<T>> {
    return this.call<T>('POST', path, body);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (method === 'POST') {
      headers['content-type'] = 'application/json';
      if (this.csrf !== null) headers[this.csrfHeader] = this.csrf;
    }
    let response: Response;
    try {
      response = await fetch(`/api/v1/admin/${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
      });
    } catch (error) {
      return { ok: false, status: 0, error: { code: 'NETWORK', message: `Herald did not answer: ${(error as Error).message}` } };
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      parsed = undefined;
    }
    const answer = parsed as { ok?: unknown; error?: { code: string; message: string } } | undefined;
    if (response.ok && answer?.ok === true) return answer as Answer<T>;
    if (response.status === 401 && path !== 'login') this.onLoggedOut();
    return { ok: false, status: response.status, error: answer?.error ?? { code: `HTTP_${response.status}`, message: response.statusText } };
  }
}
