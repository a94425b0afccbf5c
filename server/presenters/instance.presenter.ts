import type { InstanceDetailRows } from '../repos/instance-detail.repo';
import type { Incident } from '../repos/incidents.repo';
import type { ProcessInstance } from '../repos/process-instances.repo';
import { presentTask } from './task.presenter';

/** The JSON of an incident. */
export function presentIncident(incident: Incident, instance?: { key: string; businessKey: string | null }) {
  return {
    id: incident.id,
    instanceId: incident.instanceId,
    ...(instance ? { key: instance.key, businessKey: instance.businessKey } : {}),
    jobId: incident.jobId,
    activityId: incident.activityId,
    kind: incident.kind,
    message: incident.message,
    status: incident.status,
    createdAt: incident.createdAt.toISOString(),
    resolvedAt: incident.resolvedAt?.toISOString() ?? null,
    resolvedBy: incident.resolvedBy,
    resolution: incident.resolution,
  };
}

/** The JSON of an instance in lists. */
export function presentInstanceSummary(instance: ProcessInstance) {
  return {
    id: instance.id,
    key: instance.key,
    versionId: instance.versionId,
    businessKey: instance.businessKey,
    status: instance.status,
    startedBy: instance.startedByName ?? instance.startedBy,
    startedAt: instance.startedAt.toISOString(),
    endedAt: instance.endedAt?.toISOString() ?? null,
    endReason: instance.endReason,
    parentInstanceId: instance.parentInstanceId,
  };
}

export type InstanceDetail = InstanceDetailRows & { now: Date };

/** The JSON of one instance: variables, what it waits for, incidents and its activity history. */
export function presentInstance(detail: InstanceDetail) {
  const { instance } = detail;
  const ref = { key: instance.key, businessKey: instance.businessKey };
  return {
    ...presentInstanceSummary(instance),
    version: detail.version.version,
    versionSha256: detail.version.sha256,
    variables: instance.variables,
    stateBytes: instance.stateBytes,
    openTasks: detail.tasks.filter((t) => t.status === 'open').map((t) => presentTask(t, ref, detail.now)),
    tasks: detail.tasks.map((t) => presentTask(t, ref, detail.now)),
    timers: detail.jobs
      .filter((j) => j.kind === 'timer')
      .map((j) => ({ id: j.id, activityId: j.activityId, dueAt: j.dueAt.toISOString(), value: (j.payload.value as string | null) ?? null, status: j.status })),
    jobs: detail.jobs
      .filter((j) => j.kind !== 'timer')
      .map((j) => ({ id: j.id, kind: j.kind, activityId: j.activityId, status: j.status, attempts: j.attempts, maxAttempts: j.maxAttempts, dueAt: j.dueAt.toISOString(), lastError: j.lastError, topic: (j.payload.topic as string) ?? null, connector: (j.payload.connector as string) ?? null, operation: (j.payload.operation as string) ?? null })),
    subscriptions: detail.subscriptions.map((s) => ({ kind: s.kind, name: s.name, correlationKey: s.correlationKey, activityId: s.activityId })),
    incidents: detail.incidents.map((i) => presentIncident(i)),
    history: detail.history.map((h) => ({
      activityId: h.activityId,
      activityType: h.activityType,
      name: h.name,
      startedAt: h.startedAt.toISOString(),
      endedAt: h.endedAt?.toISOString() ?? null,
      durationMs: h.endedAt ? h.endedAt.getTime() - h.startedAt.getTime() : null,
      actor: h.actor,
      outcome: h.outcome,
    })),
  };
}
