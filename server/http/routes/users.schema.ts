import { z } from 'zod';
import { ROLES } from '../../auth/roles';
import { pagination, reason, username } from './common.schema';

const printedName = z.string().trim().min(2).max(200);
const email = z.email().max(320).nullable();
const roles = z.array(z.enum(ROLES)).max(ROLES.length);

export const createUserBody = z
  .object({ username, printedName, email: email.optional(), roles, password: z.string().min(1).max(256), reason: reason.optional() })
  .strict()
  .meta({ id: 'CreateUserRequest' });

export const updateUserBody = z
  .object({ printedName: printedName.optional(), email: email.optional(), roles: roles.optional(), reason })
  .strict()
  .refine((body) => body.printedName !== undefined || body.email !== undefined || body.roles !== undefined, {
    message: 'change at least one of printedName, email, roles',
  })
  .meta({ id: 'UpdateUserRequest' });

export { reasonOnly as reasonBody } from './common.schema';

export const resetPasswordBody = z
  .object({ newPassword: z.string().min(1).max(256), reason })
  .strict()
  .meta({ id: 'ResetPasswordRequest' });

export const listUsersQuery = z
  .object({ status: z.enum(['active', 'deactivated']).optional(), role: z.enum(ROLES).optional(), ...pagination })
  .strict();
