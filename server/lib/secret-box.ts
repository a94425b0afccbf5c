import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Encryption of secrets at rest (connector passwords, tokens, API-key values) with AES-256-GCM.
// A sealed value reads `gsb1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts): the key id lets a
// box hold the previous keys during a rotation, the tag refuses any altered byte, and the context
// (authenticated, not stored) binds a ciphertext to its record so it cannot be moved to another.

const VERSION = 'gsb1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key that is not 32 bytes of base64, or a key file that cannot be read or written. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** A sealed value that cannot be opened: altered, truncated, sealed for another context, or under an unknown key. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** Seals and opens secrets with one current key (and, for rotation, older keys that only open). */
export type SecretBox = {
  /** A short, non-secret fingerprint of the current key, written into every sealed value. */
  readonly keyId: string;
  /**
   * Encrypts `plaintext`; `context` (e.g. `connector:<id>`) must be given again to open it.
   * A fresh random IV per call: sealing the same text twice gives different values.
   */
  seal(plaintext: string, context: string): string;
  /**
   * Decrypts a value sealed by this box's current or previous keys.
   * @throws SecretBoxError when the value is malformed, altered, sealed for another context or under an unknown key.
   */
  open(sealed: string, context: string): string;
};

/**
 * Decodes a base64 (or base64url) key of exactly 32 bytes.
 * @throws SecretKeyError for anything else.
 */
export function parseSecretKey(encoded: string): Buffer {
  const text = encoded.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw new SecretKeyError('the secret key must be base64 text');
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`the secret key must decode to ${KEY_BYTES} bytes, not ${key.length}`);
  return key;
}

/** A new random key, base64: what `GEMBA_SECRET_KEY` expects (`openssl rand -base64 32` gives the same). */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** The fingerprint of a key: 8 hex digits of a domain-separated SHA-256; reveals nothing usable. */
export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update('gemba-secret-box:').update(key).digest('hex').slice(0, 8);
}

/**
 * Creates a box over a 32-byte key (base64 text or bytes). `previousKeys` only open, so values
 * sealed before a rotation stay readable until they are sealed again.
 * @throws SecretKeyError when a key is not 32 bytes.
 */
export function createSecretBox(key: string | Buffer, options: { previousKeys?: ReadonlyArray<string | Buffer> } = {}): SecretBox {
  const current = toKey(key);
  const currentId = secretKeyId(current);
  const keys = new Map<string, Buffer>();
  for (const old of options.previousKeys ?? []) {
    const buffer = toKey(old);
    keys.set(secretKeyId(buffer), buffer);
  }
  keys.set(currentId, current);

  return {
    keyId: currentId,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(currentId, context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, currentId, b64(iv), b64(ciphertext), b64(tag)].join('.');
    },
    open(sealed, context) {
      const parts = typeof sealed === 'string' ? sealed.split('.') : [];
      if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed secret');
      const [, keyId, ivText, ciphertextText, tagText] = parts;
      const keyBytes = keys.get(keyId);
      if (!keyBytes) throw new SecretBoxError(`the secret was sealed with key ${keyId}, which this server does not hold`);
      const iv = fromB64(ivText);
      const tag = fromB64(tagText);
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('not a sealed secret');
      try {
        const decipher = createDecipheriv('aes-256-gcm', keyBytes, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(keyId, context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(fromB64(ciphertextText)), decipher.final()]).toString('utf8');
      } catch {
        // GCM says only "unable to authenticate": altered bytes and a wrong context look the same.
        throw new SecretBoxError('the sealed secret was altered or belongs to another record');
      }
    },
  };
}

/**
 * Reads the base64 key stored in `file`, or creates it (32 random bytes, mode 0600) when absent.
 * For development and evaluation only: production gives the key through configuration, so that
 * a copy of the data directory alone does not reveal the secrets.
 * @throws SecretKeyError when the file holds no valid key or cannot be created.
 */
export function loadOrCreateKeyFile(file: string): { key: string; created: boolean } {
  try {
    return { key: readKeyFile(file), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw asKeyError(error, file);
  }
  const key = generateSecretKey();
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // 'wx' fails if another process created it meanwhile: then that key is the one to use.
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: readKeyFile(file), created: false };
    throw asKeyError(error, file);
  }
}

function readKeyFile(file: string): string {
  const text = fs.readFileSync(file, 'utf8').trim();
  parseSecretKey(text);
  return text;
}

function asKeyError(error: unknown, file: string): SecretKeyError {
  if (error instanceof SecretKeyError) return new SecretKeyError(`${file}: ${error.message}`);
  return new SecretKeyError(`cannot use the key file ${file}: ${(error as Error).message}`);
}

function toKey(key: string | Buffer): Buffer {
  if (typeof key === 'string') return parseSecretKey(key);
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`the secret key must be ${KEY_BYTES} bytes, not ${key.length}`);
  return Buffer.from(key);
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}\u0000${keyId}\u0000${context}`, 'utf8');
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

function fromB64(text: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new SecretBoxError('not a sealed secret');
  return Buffer.from(text, 'base64url');
}
