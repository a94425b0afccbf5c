import { AbilityBuilder, createMongoAbility, type MongoAbility, type MongoQuery } from '@casl/ability';
import type { Actor } from './actor';
import type { Role } from './roles';

/**
 * Every authorization rule of Gemba, and nothing else. Routes ask `can(action, Subject)` before
 * validating input (coarse) and `can(action, subject(Subject, record))` once the record is loaded.
 */
export const ACTIONS = [
  'read', 'create', 'update', 'manage', 'start', 'cancel', 'submit', 'approve', 'reject', 'release', 'retire',
  'claim', 'unclaim', 'complete', 'assign', 'retry', 'correlate', 'send', 'work', 'advance', 'unlock',
  'deactivate', 'resetPassword', 'revoke', 'export', 'verify', 'migrate', 'acknowledge',
] as const;
export type Action = (typeof ACTIONS)[number];

export const SUBJECTS = [
  'User', 'ServicePrincipal', 'AuditEvent', 'Process', 'ProcessVersion', 'ProcessInstance', 'UserTask', 'Incident',
  'Message', 'Signal', 'ExternalTask', 'Connector', 'Equipment', 'Trace', 'Record', 'Kpi', 'Migration', 'Clock',
] as const;
export type SubjectName = (typeof SUBJECTS)[number];

// Subjects are named by string; records are checked with casl's subject(name, record) helper.
export type AppAbility = MongoAbility<[Action, SubjectName | 'all' | Record<string, any>], MongoQuery<Record<string, any>>>;

/** What every signed-in person may read: the shared records of the plant's processes. */
const plantReader: Array<[Action, SubjectName]> = [
  ['read', 'Process'], ['read', 'ProcessVersion'], ['read', 'ProcessInstance'], ['read', 'UserTask'],
  ['read', 'Kpi'], ['read', 'Trace'], ['read', 'Equipment'],
];
const taskWorker: Array<[Action, SubjectName]> = [
  ['start', 'ProcessInstance'], ['claim', 'UserTask'], ['unclaim', 'UserTask'], ['complete', 'UserTask'],
  ['correlate', 'Message'],
];

const roleRules: Record<Role, Array<[Action, SubjectName]>> = {
  process_owner: [
    ...plantReader, ...taskWorker,
    ['create', 'ProcessVersion'], ['update', 'ProcessVersion'], ['submit', 'ProcessVersion'],
    ['release', 'ProcessVersion'], ['retire', 'ProcessVersion'],
    ['read', 'Migration'], ['migrate', 'ProcessInstance'], ['read', 'Incident'], ['read', 'AuditEvent'],
    // Equipment master data: ideal cycle times (OEE) and the gauge register.
    ['update', 'Equipment'],
  ],
  validation_reviewer: [
    ...plantReader,
    ['approve', 'ProcessVersion'], ['reject', 'ProcessVersion'],
    ['read', 'Migration'], ['read', 'AuditEvent'], ['verify', 'AuditEvent'], ['export', 'Record'], ['read', 'Record'],
  ],
  quality: [
    ...plantReader, ...taskWorker,
    ['read', 'AuditEvent'], ['verify', 'AuditEvent'], ['export', 'Record'], ['read', 'Record'], ['read', 'Incident'],
    ['cancel', 'ProcessInstance'], ['send', 'Signal'],
    // Metrology: the gauge register and its calibration dates.
    ['update', 'Equipment'],
    // Equipment alarms (E03): acknowledge, confirm, comment.
    ['acknowledge', 'Equipment'],
  ],
  supervisor: [
    ...plantReader, ...taskWorker,
    ['assign', 'UserTask'], ['cancel', 'ProcessInstance'], ['read', 'Incident'], ['retry', 'Incident'],
    ['read', 'AuditEvent'], ['read', 'Record'], ['export', 'Record'], ['send', 'Signal'],
    // Equipment alarms (E03): acknowledge, confirm, comment.
    ['acknowledge', 'Equipment'],
  ],
  operator: [...plantReader, ...taskWorker],
  inspector: [...plantReader, ...taskWorker, ['read', 'Record']],
  // Administers accounts, keys and connectors; no implicit right to sign, work tasks or alter records.
  admin: [
    ['read', 'User'], ['create', 'User'], ['update', 'User'], ['deactivate', 'User'], ['unlock', 'User'], ['resetPassword', 'User'],
    ['read', 'ServicePrincipal'], ['create', 'ServicePrincipal'], ['update', 'ServicePrincipal'], ['revoke', 'ServicePrincipal'],
    ['read', 'Connector'], ['create', 'Connector'], ['update', 'Connector'],
    ['read', 'AuditEvent'], ['verify', 'AuditEvent'], ['read', 'Incident'], ['retry', 'Incident'],
    ['read', 'Process'], ['read', 'ProcessVersion'], ['read', 'Equipment'], ['advance', 'Clock'],
  ],
};

/** Maps a service principal's scope to what its key may do. */
const serviceActionRules: Record<string, Array<[Action, SubjectName]>> = {
  start: [['start', 'ProcessInstance']],
  correlate: [['correlate', 'Message']],
  signal: [['send', 'Signal']],
  work: [['work', 'ExternalTask']],
  read: [['read', 'ProcessInstance'], ['read', 'Process']],
};

/** Builds the ability of one actor. */
export function defineAbilityFor(actor: Actor): AppAbility {
  const { can, cannot, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  switch (actor.kind) {
    case 'user': {
      can('read', 'User', { id: actor.id });
      for (const role of actor.roles) {
        for (const [action, subjectName] of roleRules[role] ?? []) can(action, subjectName);
      }
      // C10: the author of a version never approves or rejects it.
      cannot('approve', 'ProcessVersion', { createdBy: actor.id });
      cannot('reject', 'ProcessVersion', { createdBy: actor.id });
      break;
    }
    case 'service': {
      const keys = actor.allowedProcessKeys;
      const allKeys = keys.includes('*');
      for (const scope of actor.allowedActions) {
        for (const [action, subjectName] of serviceActionRules[scope] ?? []) {
          if (subjectName === 'ProcessInstance' || subjectName === 'Process') {
            if (allKeys) can(action, subjectName);
            else can(action, subjectName, { key: { $in: keys } });
          } else {
            can(action, subjectName);
          }
        }
      }
      break;
    }
    case 'system':
      can('manage', 'all');
      break;
  }
  return build();
}

/** The rules of each role, for the role × action documentation and tests. */
export const RULES_BY_ROLE: Readonly<Record<Role, ReadonlyArray<readonly [Action, SubjectName]>>> = roleRules;
