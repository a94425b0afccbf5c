import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) canonical JSON: sorted keys, no insignificant white space, fixed number
 * formatting. Hashes computed over it do not depend on key order or on how PostgreSQL's jsonb
 * happens to return an object.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('Value cannot be represented as canonical JSON');
  return text;
}
