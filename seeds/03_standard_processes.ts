import type { UserActor } from '../server/auth/actor';
import type { Role } from '../server/auth/roles';
import type { SeedDeps } from '../server/db/seed';
import { releaseLibraryProcess } from '../server/platform/release-library';
import { STANDARD_PROCESS_KEYS } from '../server/platform/standard-library';
import { findUserByUsername } from '../server/repos/users.repo';

/**
 * Releases the six processes of the standard library as version 1 through the real commands:
 * the demo process owner authors and releases, the demo validation reviewer approves, each
 * signing with the demo password. Keys that already have a released version are left alone.
 */
export async function seed(deps: SeedDeps): Promise<void> {
  const owner = await findUserByUsername(deps.db, 'owner');
  const reviewer = await findUserByUsername(deps.db, 'reviewer');
  if (!owner || !reviewer) {
    deps.logger.warn('The demo users "owner" and "reviewer" are missing: the standard processes are not released');
    return;
  }
  const actor = (user: NonNullable<typeof owner>): UserActor => ({
    kind: 'user',
    id: user.id,
    username: user.username,
    printedName: user.printedName,
    roles: user.roles as Role[],
    sessionId: '',
    passwordMustChange: false,
  });
  const password = deps.config.demo.password;
  for (const key of STANDARD_PROCESS_KEYS) {
    const version = await releaseLibraryProcess(deps, key, { owner: actor(owner), reviewer: actor(reviewer), ownerPassword: password, reviewerPassword: password });
    deps.logger.debug({ key, version: version.version, status: version.status }, 'standard process');
  }
}
