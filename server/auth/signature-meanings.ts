import type { Role } from './roles';

/** The controlled list of signature meanings (11.50(a)(3)). */
export const SIGNATURE_MEANINGS = [
  'authored', 'reviewed', 'approved', 'rejected', 'released', 'performed', 'verified', 'inspected', 'dispositioned', 'closed',
] as const;
export type SignatureMeaning = (typeof SIGNATURE_MEANINGS)[number];

export const isSignatureMeaning = (value: string): value is SignatureMeaning => (SIGNATURE_MEANINGS as readonly string[]).includes(value);

/** The meanings each role may sign with (C10). */
const MEANINGS_BY_ROLE: Record<Role, SignatureMeaning[]> = {
  process_owner: ['authored', 'released', 'performed', 'verified'],
  validation_reviewer: ['reviewed', 'approved', 'rejected'],
  quality: ['reviewed', 'approved', 'rejected', 'released', 'verified', 'inspected', 'dispositioned', 'closed', 'performed'],
  supervisor: ['released', 'verified', 'performed', 'closed'],
  operator: ['performed', 'verified'],
  inspector: ['inspected', 'verified', 'performed', 'rejected'],
  admin: [],
};

/** Whether someone holding these roles may sign with this meaning. */
export function mayUseMeaning(roles: readonly Role[], meaning: SignatureMeaning): boolean {
  return roles.some((role) => MEANINGS_BY_ROLE[role]?.includes(meaning));
}
