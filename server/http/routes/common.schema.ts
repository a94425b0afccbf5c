import { z } from 'zod';

// Building blocks shared by the route schemas.

export const idParams = z.object({ id: z.uuid() });

export const pagination = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

/** A reason for a change (C02): mandatory on every modify or void of a record. */
export const reason = z.string().trim().min(3, 'give a reason of at least 3 characters').max(2000);

export const username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/, 'use 2–64 letters, digits, dots, dashes or underscores');

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const paged = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number().int() });

/** Standard error responses to document on every route. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, { description: STATUS_TEXT[status] ?? 'Error', schema: problemSchema, contentType: 'application/problem+json' }]));

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input',
  401: 'Not authenticated',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Cannot be processed',
  503: 'Temporarily unavailable',
};

/** A body that only gives a reason. */
export const reasonOnly = z.object({ reason }).strict().meta({ id: 'ReasonRequest' });
