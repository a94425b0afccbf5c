// Row types of the tables, as knex sees them (snake_case). Repos map them to domain types.

export type UserRow = {
  id: string;
  username: string;
  printed_name: string;
  email: string | null;
  roles: string[];
  password_hash: string;
  password_must_change: boolean;
  password_changed_at: Date | null;
  status: 'active' | 'deactivated';
  failed_login_count: number;
  failed_signature_count: number;
  locked_at: Date | null;
  locked_reason: string | null;
  deactivated_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  row_version: number;
};

export type SessionRow = {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  ip: string | null;
  user_agent: string | null;
  station: string | null;
};

export type ServicePrincipalRow = {
  id: string;
  name: string;
  description: string | null;
  allowed_actions: string[];
  allowed_process_keys: string[];
  status: 'active' | 'deactivated';
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
};

export type ApiKeyRow = {
  id: string;
  service_principal_id: string;
  key_prefix: string;
  key_hash: string;
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoked_reason: string | null;
};

export type AuditEventRow = {
  seq: number;
  occurred_at: Date;
  actor_type: 'user' | 'service' | 'system';
  actor_id: string | null;
  actor_name: string | null;
  printed_name: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  request_id: string | null;
  context: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
};

declare module 'knex/types/tables' {
  interface Tables {
    users: UserRow;
    sessions: SessionRow;
    service_principals: ServicePrincipalRow;
    api_keys: ApiKeyRow;
    audit_events: AuditEventRow;
  }
}

export type ProcessVersionStatus = 'draft' | 'in_review' | 'approved' | 'rejected' | 'released' | 'superseded' | 'retired';

export type ProcessVersionRow = {
  id: string;
  key: string;
  version: number;
  name: string | null;
  status: ProcessVersionStatus;
  xml: string;
  forms: Record<string, unknown>;
  sha256: string;
  change_reason: string;
  based_on_id: string | null;
  authors: string[];
  lint: unknown;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  submitted_by: string | null;
  submitted_at: Date | null;
  released_at: Date | null;
  superseded_at: Date | null;
  retired_at: Date | null;
  row_version: number;
};

export type SignatureRow = {
  id: string;
  record_type: string;
  record_id: string;
  record_hash: string;
  signer_id: string;
  signer_username: string;
  printed_name: string;
  meaning: string;
  comment: string | null;
  signed_at: Date;
  session_id: string | null;
  request_id: string | null;
  station: string | null;
};

declare module 'knex/types/tables' {
  interface Tables {
    process_versions: ProcessVersionRow;
    signatures: SignatureRow;
  }
}

export type InstanceStatus = 'running' | 'completed' | 'cancelled' | 'incident';

export type ProcessInstanceRow = {
  id: string;
  version_id: string;
  key: string;
  business_key: string | null;
  status: InstanceStatus;
  variables: Record<string, unknown>;
  engine_state: unknown;
  state_bytes: number;
  lock_version: number;
  parent_instance_id: string | null;
  parent_execution_id: string | null;
  started_by: string;
  started_by_name: string | null;
  started_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  updated_at: Date;
  /** When retention removed this finished instance's runtime state (the row stays as its identity). */
  runtime_purged_at: Date | null;
};

export type TaskStatus = 'open' | 'awaiting_verification' | 'completed' | 'cancelled';

export type UserTaskRow = {
  id: string;
  instance_id: string;
  execution_id: string;
  activity_id: string;
  name: string | null;
  candidate_groups: string[];
  candidate_users: string[];
  assignee: string | null;
  due_at: Date | null;
  form_ref: string | null;
  signature_meaning: string | null;
  verifier_required: boolean;
  priority: number;
  status: TaskStatus;
  created_at: Date;
  claimed_at: Date | null;
  completed_by: string | null;
  completed_at: Date | null;
  verified_by: string | null;
  verified_at: Date | null;
  submitted: Record<string, unknown> | null;
  signature_id: string | null;
  verification_signature_id: string | null;
  updated_at: Date;
};

export type JobRow = {
  id: string;
  kind: string;
  instance_id: string | null;
  execution_id: string | null;
  activity_id: string | null;
  status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
  due_at: Date;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
};

export type SubscriptionRow = {
  id: string;
  instance_id: string;
  kind: 'message' | 'signal';
  name: string;
  correlation_key: string | null;
  execution_id: string;
  activity_id: string;
  created_at: Date;
};

export type IncidentRow = {
  id: string;
  instance_id: string;
  job_id: string | null;
  activity_id: string | null;
  kind: string;
  message: string;
  element_id: string | null;
  payload: Record<string, unknown>;
  status: 'open' | 'resolved';
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution: string | null;
};

export type ActivityHistoryRow = {
  id: number;
  instance_id: string;
  execution_id: string;
  activity_id: string;
  activity_type: string;
  name: string | null;
  started_at: Date;
  ended_at: Date | null;
  actor: string | null;
  outcome: string | null;
};

declare module 'knex/types/tables' {
  interface Tables {
    process_instances: ProcessInstanceRow;
    user_tasks: UserTaskRow;
    jobs: JobRow;
    subscriptions: SubscriptionRow;
    incidents: IncidentRow;
    activity_history: ActivityHistoryRow;
  }
}
