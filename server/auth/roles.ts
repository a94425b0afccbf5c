/** The roles of the design. Rules for each live in abilities.ts. */
export const ROLES = ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** What a service principal's API key may be scoped to. */
export const SERVICE_ACTIONS = ['start', 'correlate', 'signal', 'work', 'read'] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];
