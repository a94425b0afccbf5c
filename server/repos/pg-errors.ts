/** PostgreSQL error classification, shared by repos that translate constraint violations. */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: string })?.code === '23505';
export const isForeignKeyViolation = (error: unknown): boolean => (error as { code?: string })?.code === '23503';
