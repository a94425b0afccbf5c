// The engine host's public API (see README.md): compile once, run one event at a time.
export { compileDefinition } from './compile-definition';
export type { CompileOptions, CompiledDefinition } from './compile-definition';
export type { ActivityMetadata, CallMapping, CallMetadata, IoParameter, LoopMetadata, StartEventMetadata, TimerDefinition } from './activity-metadata';
export { DefinitionCache } from './definition-cache';
export type { DefinitionCacheOptions } from './definition-cache';
export { DefinitionCompileError } from './errors';
export { EnginePool } from './engine-pool';
export type { EnginePoolOptions, PoolRunOptions, PoolVersion } from './engine-pool';
export { runEvent, runEventSync } from './run-event';
export { DEFAULT_MAX_ACTIVITY_STARTS } from './run-session';
export { RESERVED_VARIABLES } from './state-codec';
export { migrateState, planMigration } from './migration';
export type { ActivityMapping, MigrationMove, MigrationPlan, MigrationProblem, MigrationProblemCode, MigrationResult, PlannedMapping } from './migration';
export { nextTimerStart, nextTimerStarts, timerStartsOf } from './timer-starts';
export { firstExpiry, nextCron, nextFireOf, TimerValueError } from './timer-schedule';
export type { TimerExpiry, TimerOptions, TimerStartDefinition, TimerStartFire, TimerType } from './timer-schedule';
export type * from './types';
