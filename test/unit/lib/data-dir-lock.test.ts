import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirLockedError, lockDataDir } from '../../../server/lib/data-dir-lock';

describe('data directory lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemba-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a second holder while a live process holds it', () => {
    // given a lock held by another live process (this test's parent)
    fs.writeFileSync(path.join(dir, 'gemba.lock'), String(process.ppid));

    // then
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(/PostgreSQL/);
  });

  it('takes over a lock left by a process that has exited', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(path.join(dir, 'gemba.lock'), dead);

    const lock = lockDataDir(dir);

    expect(fs.readFileSync(path.join(dir, 'gemba.lock'), 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(fs.existsSync(path.join(dir, 'gemba.lock'))).toBe(false);
  });
});
