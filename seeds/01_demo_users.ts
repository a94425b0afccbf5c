import { createUser } from '../server/commands/manage-users';
import { runCommand } from '../server/commands/run-command';
import { systemActor } from '../server/auth/actor';
import type { Role } from '../server/auth/roles';
import { findUserByUsername } from '../server/repos/users.repo';
import type { SeedDeps } from '../server/db/seed';

/** One demo account per role, named after it, so every role of the design can be tried. */
export const DEMO_USERS: Array<{ username: string; printedName: string; roles: Role[] }> = [
  { username: 'owner', printedName: 'Olivia Owens (process owner)', roles: ['process_owner'] },
  { username: 'reviewer', printedName: 'Ravi Reddy (validation reviewer)', roles: ['validation_reviewer'] },
  { username: 'quality', printedName: 'Quinn Morales (quality)', roles: ['quality'] },
  { username: 'supervisor', printedName: 'Sam Sato (supervisor)', roles: ['supervisor'] },
  { username: 'operator', printedName: 'Oscar Novak (operator)', roles: ['operator'] },
  { username: 'inspector', printedName: 'Ines Park (inspector)', roles: ['inspector'] },
  { username: 'admin', printedName: 'Ada Admin (administrator)', roles: ['admin'] },
];

export async function seed(deps: SeedDeps): Promise<void> {
  for (const demo of DEMO_USERS) {
    if (await findUserByUsername(deps.db, demo.username)) continue;
    await runCommand(deps, systemActor('seed'), {}, (ctx) =>
      createUser(ctx, { ...demo, password: deps.config.demo.password, reason: 'demo data' }, { passwordMustChange: false }),
    );
  }
}
