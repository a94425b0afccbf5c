import { subject } from '@casl/ability';
import type { UserActor, ServiceActor } from '../../../server/auth/actor';
import { ACTIONS, defineAbilityFor, SUBJECTS, type Action, type SubjectName } from '../../../server/auth/abilities';
import { ROLES, type Role } from '../../../server/auth/roles';

const userWith = (roles: Role[]): UserActor => ({ kind: 'user', id: 'u1', username: 'u', printedName: 'U', roles, sessionId: 's', passwordMustChange: false });

// The role × action truth table: every (role, action, subject) pair that is allowed. Anything not
// listed must be refused. Changing a rule means changing this table, on purpose.
const reading = ['read Process', 'read ProcessVersion', 'read ProcessInstance', 'read UserTask', 'read Kpi', 'read Trace', 'read Equipment'];
const working = ['start ProcessInstance', 'claim UserTask', 'unclaim UserTask', 'complete UserTask', 'correlate Message'];
const ALLOWED: Record<Role, string[]> = {
  process_owner: [...reading, ...working, 'create ProcessVersion', 'update ProcessVersion', 'submit ProcessVersion', 'release ProcessVersion', 'retire ProcessVersion', 'read Migration', 'migrate ProcessInstance', 'read Incident', 'read AuditEvent', 'update Equipment'],
  validation_reviewer: [...reading, 'approve ProcessVersion', 'reject ProcessVersion', 'read Migration', 'read AuditEvent', 'verify AuditEvent', 'export Record', 'read Record'],
  quality: [...reading, ...working, 'read AuditEvent', 'verify AuditEvent', 'export Record', 'read Record', 'read Incident', 'cancel ProcessInstance', 'send Signal', 'update Equipment', 'acknowledge Equipment'],
  supervisor: [...reading, ...working, 'assign UserTask', 'cancel ProcessInstance', 'read Incident', 'retry Incident', 'read AuditEvent', 'read Record', 'export Record', 'send Signal', 'acknowledge Equipment'],
  operator: [...reading, ...working],
  inspector: [...reading, ...working, 'read Record'],
  admin: [
    'read User', 'create User', 'update User', 'deactivate User', 'unlock User', 'resetPassword User',
    'read ServicePrincipal', 'create ServicePrincipal', 'update ServicePrincipal', 'revoke ServicePrincipal',
    'read Connector', 'create Connector', 'update Connector', 'read AuditEvent', 'verify AuditEvent', 'read Incident', 'retry Incident',
    'read Process', 'read ProcessVersion', 'read Equipment', 'advance Clock',
  ],
};

const pairs: Array<[Action, SubjectName]> = ACTIONS.flatMap((action) => SUBJECTS.map((s) => [action, s] as [Action, SubjectName]));

describe.each(ROLES.map((role) => [role]))('role %s', (role) => {
  it('is allowed exactly what the table says (on any record)', () => {
    const ability = defineAbilityFor(userWith([role]));
    const allowed = pairs
      .filter(([action, subjectName]) => action !== 'manage' && ability.can(action, subject(subjectName, { id: 'other', createdBy: 'someone' })))
      .map(([action, subjectName]) => `${action} ${subjectName}`)
      .filter((pair) => pair !== 'read User');
    expect(allowed.sort()).toEqual(ALLOWED[role].filter((pair) => pair !== 'read User').sort());
  });
});

describe('segregation of duties and ownership', () => {
  it('never lets the author approve or reject their own version (C10)', () => {
    const ability = defineAbilityFor({ ...userWith(['validation_reviewer', 'process_owner']), id: 'author-1' });
    expect(ability.can('approve', subject('ProcessVersion', { createdBy: 'author-1' }))).toBe(false);
    expect(ability.can('reject', subject('ProcessVersion', { createdBy: 'author-1' }))).toBe(false);
    expect(ability.can('approve', subject('ProcessVersion', { createdBy: 'someone-else' }))).toBe(true);
  });

  it('lets every user read their own account and no other (except admins)', () => {
    const ability = defineAbilityFor(userWith(['operator']));
    expect(ability.can('read', subject('User', { id: 'u1' }))).toBe(true);
    expect(ability.can('read', subject('User', { id: 'u2' }))).toBe(false);
  });

  it('gives an admin no right to sign, approve or work tasks', () => {
    const ability = defineAbilityFor(userWith(['admin']));
    for (const [action, s] of [['approve', 'ProcessVersion'], ['complete', 'UserTask'], ['release', 'ProcessVersion'], ['start', 'ProcessInstance']] as const) {
      expect(ability.can(action, s)).toBe(false);
    }
  });
});

describe('service principals', () => {
  const service = (allowedActions: string[], allowedProcessKeys: string[]): ServiceActor => ({
    kind: 'service', id: 'sp1', name: 'erp', apiKeyId: 'k1', allowedActions, allowedProcessKeys,
  });

  it('may start only the process keys in scope', () => {
    const ability = defineAbilityFor(service(['start'], ['work-order-release']));
    expect(ability.can('start', subject('ProcessInstance', { key: 'work-order-release' }))).toBe(true);
    expect(ability.can('start', subject('ProcessInstance', { key: 'change-control' }))).toBe(false);
    expect(ability.can('correlate', 'Message')).toBe(false);
  });

  it('may act on every key with *', () => {
    const ability = defineAbilityFor(service(['start', 'correlate'], ['*']));
    expect(ability.can('start', subject('ProcessInstance', { key: 'anything' }))).toBe(true);
    expect(ability.can('correlate', 'Message')).toBe(true);
    expect(ability.can('read', 'AuditEvent')).toBe(false);
  });
});
