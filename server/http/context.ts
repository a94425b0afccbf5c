import type Koa from 'koa';
import type { AppAbility } from '../auth/abilities';
import type { Actor, RequestContext } from '../auth/actor';
import type { CommandDeps } from '../commands/run-command';
import type { Config } from '../config';
import type { Database } from '../db/create-db';
import type { EngineRuntime } from '../runtime/engine-runtime';

/** Everything a route handler may use; one object per process, built by server/node.ts. */
export type AppDeps = CommandDeps & {
  config: Config;
  database: Database;
  engine: EngineRuntime;
  /** This node's identity (lease owner of the jobs it claims). */
  nodeId: string;
  /** Runs every job due now on this node, and what they make due (controlled clock). */
  drainJobs(): Promise<number>;
};

export type AppState = {
  requestId: string;
  request: RequestContext;
  actor?: Actor;
  ability?: AppAbility;
  input: { params: any; query: any; body: any };
};

export type AppContext = Koa.ParameterizedContext<AppState, { deps: AppDeps }> & { params: Record<string, string> };

/** The acting principal of an authenticated route. */
export function actorOf(ctx: AppContext): Actor {
  if (!ctx.state.actor) throw new Error('route is not authenticated');
  return ctx.state.actor;
}
