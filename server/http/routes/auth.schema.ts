import { z } from 'zod';
import { ROLES } from '../../auth/roles';
import { username } from './common.schema';

export const loginBody = z
  .object({ username, password: z.string().min(1).max(256) })
  .strict()
  .meta({ id: 'LoginRequest' });

export const changePasswordBody = z
  .object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) })
  .strict()
  .meta({ id: 'ChangePasswordRequest' });

export const userSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    printedName: z.string(),
    email: z.string().nullable(),
    roles: z.array(z.enum(ROLES)),
    status: z.enum(['active', 'deactivated']),
    locked: z.boolean(),
    lockedAt: z.string().nullable(),
    lockedReason: z.string().nullable(),
    passwordMustChange: z.boolean(),
    deactivatedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'User' });

export const loginResponse = z
  .object({ token: z.string(), expiresAt: z.string(), idleTimeoutSeconds: z.number(), user: userSchema })
  .meta({ id: 'LoginResponse' });

export const meResponse = z
  .object({
    kind: z.enum(['user', 'service']),
    user: userSchema.optional(),
    servicePrincipal: z.object({ id: z.uuid(), name: z.string(), allowedActions: z.array(z.string()), allowedProcessKeys: z.array(z.string()) }).optional(),
    permissions: z.array(z.object({ action: z.string(), subject: z.string() })),
  })
  .meta({ id: 'Me' });
