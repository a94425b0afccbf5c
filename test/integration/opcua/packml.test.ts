import {
  PACKML_COMMANDS,
  PACKML_STATES,
  isPackMLState,
  packmlCommandTarget,
  packmlStateComplete,
  type PackMLState,
} from '../../../server/adapters/simulators/packml';

describe('PackML state model', () => {
  it.each([
    ['Idle', 'Start', 'Starting'],
    ['Execute', 'Hold', 'Holding'],
    ['Held', 'Unhold', 'Unholding'],
    ['Execute', 'Suspend', 'Suspending'],
    ['Suspended', 'Unsuspend', 'Unsuspending'],
    ['Complete', 'Reset', 'Resetting'],
    ['Stopped', 'Reset', 'Resetting'],
    ['Held', 'Stop', 'Stopping'],
    ['Stopped', 'Abort', 'Aborting'],
    ['Aborted', 'Clear', 'Clearing'],
  ] as const)('%s --%s--> %s', (from, command, to) => {
    expect(packmlCommandTarget(from, command)).toBe(to);
  });

  it.each([
    ['Idle', 'Unhold'],
    ['Idle', 'Reset'],
    ['Execute', 'Start'],
    ['Held', 'Hold'],
    ['Stopped', 'Stop'],
    ['Aborting', 'Abort'],
    ['Aborted', 'Reset'],
    ['Aborted', 'Stop'],
    ['Stopping', 'Stop'],
  ] as const)('refuses %s --%s-->', (from, command) => {
    expect(packmlCommandTarget(from, command)).toBeUndefined();
  });

  it('reaches a wait state from every acting state by state-complete alone', () => {
    const waitStates = new Set<PackMLState>(['Idle', 'Execute', 'Complete', 'Held', 'Suspended', 'Stopped', 'Aborted']);
    for (const state of PACKML_STATES) {
      let current: PackMLState = state;
      for (let steps = 0; !waitStates.has(current); steps += 1) {
        expect(steps).toBeLessThan(3);
        current = packmlStateComplete(current)!;
        expect(current).toBeDefined();
      }
    }
  });

  it('lets Abort reach Aborting from every state but Aborting and Aborted, and nothing leave Aborted but Clear', () => {
    for (const state of PACKML_STATES) {
      expect(packmlCommandTarget(state, 'Abort')).toBe(state === 'Aborting' || state === 'Aborted' ? undefined : 'Aborting');
    }
    expect(PACKML_COMMANDS.filter((command) => packmlCommandTarget('Aborted', command))).toEqual(['Clear']);
    expect(isPackMLState('Held')).toBe(true);
    expect(isPackMLState('held')).toBe(false);
  });
});
