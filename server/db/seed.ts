import fs from 'node:fs';
import path from 'node:path';
import type { CommandDeps } from '../commands/run-command';
import type { Config } from '../config';

export type SeedDeps = CommandDeps & { config: Config };

const SEEDS_DIR = path.resolve(__dirname, '../../seeds');

/**
 * Runs the idempotent demo seeds in file order (`NN_name`). They go through commands, so demo
 * data is audited like any other data.
 */
export async function runSeeds(deps: SeedDeps): Promise<string[]> {
  const files = fs
    .readdirSync(SEEDS_DIR)
    .filter((file) => /^\d{2}_[a-z0-9_]+\.(ts|js)$/.test(file) && !file.endsWith('.d.ts'))
    .sort();
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.join(SEEDS_DIR, file)) as { seed(deps: SeedDeps): Promise<void> };
    await module.seed(deps);
  }
  return files;
}
