import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSecretBox, generateSecretKey, loadOrCreateKeyFile, parseSecretKey, SecretBoxError, SecretKeyError } from '../../../server/lib/secret-box';

const key = generateSecretKey();

describe('secret box (AES-256-GCM)', () => {
  it('opens what it sealed, and never stores the plaintext', () => {
    // given
    const box = createSecretBox(key);

    // when
    const sealed = box.seal('s3cr3t-pässword', 'connector:1');

    // then
    expect(sealed).toMatch(/^gsb1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('s3cr3t');
    expect(box.open(sealed, 'connector:1')).toBe('s3cr3t-pässword');
  });

  it('uses a fresh IV each time: the same secret seals differently', () => {
    const box = createSecretBox(key);
    const a = box.seal('same', 'c');
    const b = box.seal('same', 'c');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it.each([
    ['IV', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ])('refuses a value whose %s was altered', (_what, index) => {
    // given
    const box = createSecretBox(key);
    const parts = box.seal('a secret value', 'connector:1').split('.');
    const bytes = Buffer.from(parts[index], 'base64url');
    bytes[0] ^= 0x01;
    parts[index] = bytes.toString('base64url');

    // when / then
    expect(() => box.open(parts.join('.'), 'connector:1')).toThrow(SecretBoxError);
  });

  it('refuses a value moved to another record (the context is authenticated)', () => {
    const box = createSecretBox(key);
    const sealed = box.seal('token', 'connector:1');
    expect(() => box.open(sealed, 'connector:2')).toThrow(/altered or belongs to another record/);
  });

  it('refuses a value sealed under another key, and malformed values', () => {
    const sealed = createSecretBox(generateSecretKey()).seal('token', 'c');
    const box = createSecretBox(key);
    expect(() => box.open(sealed, 'c')).toThrow(/does not hold/);
    expect(() => box.open('plain text', 'c')).toThrow(SecretBoxError);
    expect(() => box.open('gsb1.x.y.z', 'c')).toThrow(SecretBoxError);
    expect(() => box.open(`${sealed}.extra`, 'c')).toThrow(SecretBoxError);
  });

  it('keeps old values readable after a key rotation, and seals with the new key', () => {
    // given
    const oldKey = generateSecretKey();
    const sealedBefore = createSecretBox(oldKey).seal('legacy', 'c');

    // when
    const rotated = createSecretBox(key, { previousKeys: [oldKey] });

    // then
    expect(rotated.open(sealedBefore, 'c')).toBe('legacy');
    expect(rotated.seal('new', 'c').split('.')[1]).toBe(rotated.keyId);
    expect(rotated.keyId).toBe(createSecretBox(key).keyId);
  });

  it('accepts only 32-byte base64 keys', () => {
    expect(parseSecretKey(key)).toHaveLength(32);
    expect(parseSecretKey(Buffer.from(parseSecretKey(key)).toString('base64url'))).toEqual(parseSecretKey(key));
    expect(() => createSecretBox(Buffer.alloc(16).toString('base64'))).toThrow(SecretKeyError);
    expect(() => createSecretBox('not base64 at all!')).toThrow(SecretKeyError);
    expect(() => createSecretBox(Buffer.alloc(31))).toThrow(SecretKeyError);
  });

  it('creates a development key file once (mode 0600) and reads it afterwards', () => {
    // given
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemba-key-'));
    const file = path.join(dir, 'nested', 'secret.key');
    try {
      // when
      const first = loadOrCreateKeyFile(file);
      const second = loadOrCreateKeyFile(file);

      // then
      expect(first.created).toBe(true);
      expect(second).toEqual({ key: first.key, created: false });
      expect(parseSecretKey(first.key)).toHaveLength(32);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      fs.writeFileSync(file, 'too short');
      expect(() => loadOrCreateKeyFile(file)).toThrow(SecretKeyError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
