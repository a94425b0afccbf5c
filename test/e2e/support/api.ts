/**
 * A small API client for the journeys: it sets up fixtures and checks what the database holds
 * after each journey, through the same HTTP API the app uses.
 */

export const DEMO_PASSWORD = process.env.GEMBA_DEMO_PASSWORD ?? 'Gemba-demo-2026';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what} answered ${status}: ${JSON.stringify(body)}`);
  }
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private token: string | null = null,
  ) {}

  /** Signs in as a demo user. */
  static async as(baseUrl: string, username: string, password = DEMO_PASSWORD): Promise<ApiClient> {
    const client = new ApiClient(baseUrl);
    const login = await client.post<{ token: string }>('/auth/login', { username, password });
    client.token = login.token;
    return client;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) : undefined;
    if (!response.ok) throw new ApiError(response.status, parsed, `${method} ${path}`);
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call('POST', path, body);
  }

  /** Whether the server has a route (from its OpenAPI document), so journeys on later issues can wait for it. */
  async hasRoute(method: string, path: string): Promise<boolean> {
    const doc = await this.get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json');
    return Object.keys(doc.paths[`/api/v1${path}`] ?? {}).includes(method.toLowerCase());
  }
}

export type Version = { id: string; key: string; version: number; status: string; changeReason: string; basedOnId: string | null; sha256: string; signatures: Array<{ signer: string; printedName: string; meaning: string; signedAt: string; valid: boolean }> };

/** Creates, reviews and releases a version the way the three roles do, through the API. */
export async function releaseThroughApi(owner: ApiClient, reviewer: ApiClient, body: { xml: string; changeReason: string; forms?: Record<string, unknown> }): Promise<Version> {
  const draft = await owner.post<Version>('/process-versions', body);
  await owner.post(`/process-versions/${draft.id}/submit`);
  await reviewer.post(`/process-versions/${draft.id}/approve`, { password: DEMO_PASSWORD, meaning: 'approved', comment: 'e2e fixture' });
  return owner.post<Version>(`/process-versions/${draft.id}/release`, { password: DEMO_PASSWORD, meaning: 'released' });
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
