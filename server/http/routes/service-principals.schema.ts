import { z } from 'zod';
import { SERVICE_ACTIONS } from '../../auth/roles';
import { reason } from './common.schema';

const processKey = z.string().regex(/^(\*|[A-Za-z_][\w.-]{0,127})$/, 'a process key (the executable process id) or *');
const name = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{1,63}$/, 'use 2–64 letters, digits, spaces, dots, dashes or underscores');

export const createServicePrincipalBody = z
  .object({
    name,
    description: z.string().max(500).nullable().optional(),
    allowedActions: z.array(z.enum(SERVICE_ACTIONS)).min(1).max(SERVICE_ACTIONS.length),
    allowedProcessKeys: z.array(processKey).min(1).max(200),
    reason: reason.optional(),
  })
  .strict()
  .meta({ id: 'CreateServicePrincipalRequest' });

export const updateServicePrincipalBody = z
  .object({
    description: z.string().max(500).nullable().optional(),
    allowedActions: z.array(z.enum(SERVICE_ACTIONS)).min(1).max(SERVICE_ACTIONS.length).optional(),
    allowedProcessKeys: z.array(processKey).min(1).max(200).optional(),
    status: z.enum(['active', 'deactivated']).optional(),
    reason,
  })
  .strict()
  .meta({ id: 'UpdateServicePrincipalRequest' });

export const keyParams = z.object({ id: z.uuid(), keyId: z.uuid() });

const apiKeySchema = z.object({
  id: z.uuid(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revoked: z.boolean(),
  revokedAt: z.string().nullable(),
  revokedReason: z.string().nullable(),
});

export const servicePrincipalSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    allowedActions: z.array(z.string()),
    allowedProcessKeys: z.array(z.string()),
    status: z.enum(['active', 'deactivated']),
    createdAt: z.string(),
    keys: z.array(apiKeySchema),
  })
  .meta({ id: 'ServicePrincipal' });

export const issuedKeySchema = z
  .object({ servicePrincipal: servicePrincipalSchema, apiKey: z.string().meta({ description: 'Shown once; store it now' }) })
  .meta({ id: 'IssuedApiKey' });
