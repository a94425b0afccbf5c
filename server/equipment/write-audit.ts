import { systemActor } from '../auth/actor';
import { runCommand, type CommandDeps } from '../commands/run-command';
import type { EquipmentWriteAudit, WriteSigner } from '../platform/opcua-connector';

// The audit side of an OPC UA write (E04): who signs for it, and the audit entry with the old
// value, the value written, the value read back and the signer. Both run outside the network
// call: the signer is looked up before the write, the entry is recorded in its own transaction
// after the read-back.

const actor = systemActor('equipment-writer');

/**
 * The signer of a job's write: the user who completed the instance's latest user task (the step
 * that led to the write), else whoever started the instance (a user or a service principal).
 */
async function signerFor(deps: CommandDeps, jobId: string): Promise<WriteSigner> {
  const job = await deps.db('jobs as j').leftJoin('process_instances as i', 'i.id', 'j.instance_id').where('j.id', jobId).first('j.instance_id', 'i.key', 'i.started_by', 'i.started_by_name');
  if (!job?.instance_id) return { signer: actor.name, signerType: 'system', printedName: 'Gemba system' };
  const context = { instanceId: job.instance_id as string, key: job.key as string };
  const task = await deps.db('user_tasks').where({ instance_id: job.instance_id }).whereNotNull('completed_by').whereNotNull('completed_at').orderBy('completed_at', 'desc').first('completed_by', 'activity_id');
  if (task) {
    const user = await deps.db('users').where({ username: task.completed_by as string }).first('printed_name');
    return { signer: task.completed_by as string, signerType: 'user', printedName: (user?.printed_name as string | undefined) ?? null, context: { ...context, signedStep: task.activity_id as string } };
  }
  const startedBy = job.started_by as string;
  const user = /^[0-9a-f-]{36}$/i.test(startedBy) ? await deps.db('users').where({ id: startedBy }).first('username', 'printed_name') : undefined;
  if (user) return { signer: user.username as string, signerType: 'user', printedName: user.printed_name as string, context };
  const principal = /^[0-9a-f-]{36}$/i.test(startedBy) ? await deps.db('service_principals').where({ id: startedBy }).first('name') : undefined;
  if (principal) return { signer: principal.name as string, signerType: 'service', printedName: `${principal.name as string} (service principal)`, context };
  return { signer: (job.started_by_name as string | null) ?? startedBy, signerType: 'system', printedName: null, context };
}

/** The write audit of a node, for createOpcuaConnector; `deps` is read when a write happens. */
export function createEquipmentWriteAudit(deps: () => CommandDeps): EquipmentWriteAudit {
  return {
    signerFor: (jobId) => signerFor(deps(), jobId),
    async record(write) {
      await runCommand(deps(), actor, { requestId: `job:${write.jobId}` }, async (ctx) => {
        ctx.emit({
          type: write.verified ? 'equipment.written' : 'equipment.writeNotVerified',
          entity: { type: 'Equipment', id: write.connector },
          before: { nodeId: write.nodeId, value: write.oldValue, statusCode: write.oldStatusCode },
          after: {
            nodeId: write.nodeId,
            value: write.newValue,
            readBack: write.readBack,
            readBackStatusCode: write.readBackStatusCode,
            verified: write.verified,
            limits: write.limits,
            signer: write.signer.signer,
            signerType: write.signer.signerType,
            signerPrintedName: write.signer.printedName,
            writtenAt: write.writtenAt.toISOString(),
          },
          context: { ...write.signer.context, jobId: write.jobId, operation: `${write.connector}.${write.operation}` },
        });
      });
    },
  };
}
