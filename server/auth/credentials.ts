import { randomToken, sha256Hex } from '../lib/hash';

// Bearer tokens and API keys are 256-bit random secrets, so a plain SHA-256 is a safe way to
// store them (unlike passwords, they cannot be guessed from a dictionary).

export const newSessionToken = (): string => `gst_${randomToken(32)}`;
export const newApiKey = (): string => `gak_${randomToken(32)}`;
export const hashSecret = (secret: string): string => sha256Hex(secret);
/** The first characters of a key, stored in clear so people can tell keys apart. */
export const keyPrefix = (key: string): string => key.slice(0, 10);
