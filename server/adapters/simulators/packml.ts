/**
 * The PackML base state model (ISA-TR88.00.02 / OMAC PackTags), as data: states with their
 * PackTags numbers, the commands that move between them, and the "state complete" transitions an
 * acting state takes by itself. The simulator enforces it; the adapter's consumers can use the
 * names to interpret StateCurrent.
 */

/** PackML states with their PackTags `StateCurrent` numbers. */
export const PACKML_STATE_NUMBERS = {
  Clearing: 1,
  Stopped: 2,
  Starting: 3,
  Idle: 4,
  Suspended: 5,
  Execute: 6,
  Stopping: 7,
  Aborting: 8,
  Aborted: 9,
  Holding: 10,
  Held: 11,
  Unholding: 12,
  Suspending: 13,
  Unsuspending: 14,
  Resetting: 15,
  Completing: 16,
  Complete: 17,
} as const;

/** A PackML state name. */
export type PackMLState = keyof typeof PACKML_STATE_NUMBERS;

/** Every PackML state, in PackTags number order. */
export const PACKML_STATES = Object.keys(PACKML_STATE_NUMBERS) as PackMLState[];

/** PackML commands with their PackTags `CntrlCmd` numbers. */
export const PACKML_COMMAND_NUMBERS = {
  Reset: 1,
  Start: 2,
  Stop: 3,
  Hold: 4,
  Unhold: 5,
  Suspend: 6,
  Unsuspend: 7,
  Abort: 8,
  Clear: 9,
} as const;

/** A PackML command name. */
export type PackMLCommand = keyof typeof PACKML_COMMAND_NUMBERS;

/** Every PackML command, in PackTags number order. */
export const PACKML_COMMANDS = Object.keys(PACKML_COMMAND_NUMBERS) as PackMLCommand[];

const STOPPABLE: readonly PackMLState[] = [
  'Idle', 'Starting', 'Execute', 'Completing', 'Complete', 'Resetting',
  'Holding', 'Held', 'Unholding', 'Suspending', 'Suspended', 'Unsuspending',
];
const ABORTABLE: readonly PackMLState[] = [...STOPPABLE, 'Stopping', 'Stopped', 'Clearing'];

const COMMAND_TRANSITIONS: Record<PackMLCommand, { from: readonly PackMLState[]; to: PackMLState }> = {
  Start: { from: ['Idle'], to: 'Starting' },
  Reset: { from: ['Complete', 'Stopped'], to: 'Resetting' },
  Hold: { from: ['Starting', 'Execute', 'Unholding', 'Suspending', 'Suspended', 'Unsuspending'], to: 'Holding' },
  Unhold: { from: ['Held'], to: 'Unholding' },
  Suspend: { from: ['Execute'], to: 'Suspending' },
  Unsuspend: { from: ['Suspended'], to: 'Unsuspending' },
  Stop: { from: STOPPABLE, to: 'Stopping' },
  Abort: { from: ABORTABLE, to: 'Aborting' },
  Clear: { from: ['Aborted'], to: 'Clearing' },
};

/** Acting states end by themselves ("SC", state complete) in the state given here. */
const STATE_COMPLETE: Partial<Record<PackMLState, PackMLState>> = {
  Starting: 'Execute',
  Completing: 'Complete',
  Resetting: 'Idle',
  Holding: 'Held',
  Unholding: 'Execute',
  Suspending: 'Suspended',
  Unsuspending: 'Execute',
  Stopping: 'Stopped',
  Aborting: 'Aborted',
  Clearing: 'Stopped',
};

/** The state a command leads to from `state`, or undefined when PackML does not allow it there. */
export function packmlCommandTarget(state: PackMLState, command: PackMLCommand): PackMLState | undefined {
  const transition = COMMAND_TRANSITIONS[command];
  return transition.from.includes(state) ? transition.to : undefined;
}

/** The state an acting state completes into, or undefined for a wait state (Idle, Execute, Held…). */
export function packmlStateComplete(state: PackMLState): PackMLState | undefined {
  return STATE_COMPLETE[state];
}

/** True for a PackML state name (case-sensitive, as PackTags spell them). */
export function isPackMLState(value: unknown): value is PackMLState {
  return typeof value === 'string' && Object.hasOwn(PACKML_STATE_NUMBERS, value);
}
