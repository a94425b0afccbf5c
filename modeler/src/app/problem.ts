/** An RFC 9457 problem answered by the API, kept whole so screens can show `detail` and `errors[]`. */
export type Problem = {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  requestId?: string;
  errors?: Array<{ path?: string; message: string; elementId?: string | null; rule?: string }>;
};

/** Thrown by the API client for every non-2xx answer (and for network failures, status 0). */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title || `Request failed (${problem.status})`);
    this.name = 'ProblemError';
  }

  get status(): number {
    return this.problem.status;
  }
}

/** Turns anything thrown into a problem a screen can render. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  const message = error instanceof Error ? error.message : String(error);
  return { status: 0, title: 'Something went wrong', detail: message };
}
