/** Calls Herald's HTTP API the way the main site would. */
export const LOCAL_API_KEY = 'local-development-api-key';

export interface ApiCall {
  method?: string;
  /** JSON body (serialized) … */
  body?: unknown;
  /** … or raw bytes/text as given. */
  raw?: string | Buffer;
  /** API key; null sends no Authorization header. Default: the local development key. */
  key?: string | null;
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export async function api(baseUrl: string, path: string, call: ApiCall = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...call.headers };
  const key = call.key === undefined ? LOCAL_API_KEY : call.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | Buffer | undefined;
  if (call.raw !== undefined) {
    body = call.raw;
  } else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method: call.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** POST /api/v1/push, expecting success. */
export async function push(baseUrl: string, body: unknown): Promise<{ id: string; stored: boolean; online: number | null }> {
  const answer = await api(baseUrl, '/api/v1/push', { body });
  if (answer.status !== 200) throw new Error(`push failed: ${answer.status} ${answer.text}`);
  return answer.json;
}
