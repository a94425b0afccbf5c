import type { z } from 'zod';
import type { Action, SubjectName } from '../auth/abilities';
import type { AppContext } from './context';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route: nobody signed in (`public`), a signed-in person (`user`), or a person or
 * a service principal with an API key (`principal`).
 */
export type RouteAuth = 'public' | 'user' | 'principal';

export type ResponseSpec = { description: string; schema?: z.ZodType; contentType?: string };

/** One endpoint: its contract (for validation and OpenAPI) and its handler. */
export type RouteDef = {
  /** Stable id, `<resource>.<verb>`, used by the role × route table test. */
  id: string;
  method: HttpMethod;
  /** Path below /api/v1 in koa-router syntax (`/users/:id`). */
  path: string;
  summary: string;
  tags: string[];
  auth: RouteAuth;
  /**
   * Permission checked before the input is read. `every` (the default) needs a rule without
   * conditions (lists, creation); `some` lets conditional rules through, and the handler then
   * checks the loaded record with `authorize(ctx, action, subject, record)`.
   */
  permission?: [Action, SubjectName] | [Action, SubjectName, 'every' | 'some'];
  schema?: { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType };
  /** Body size limit when it differs from the global JSON limit (e.g. BPMN uploads). */
  bodyLimit?: string;
  /** Extra content types the body parser accepts (e.g. application/xml). */
  bodyTypes?: Array<'json' | 'text' | 'xml'>;
  responses: Record<number, ResponseSpec>;
  handler(ctx: AppContext): Promise<void>;
};

export const defineRoutes = (routes: RouteDef[]): RouteDef[] => routes;
