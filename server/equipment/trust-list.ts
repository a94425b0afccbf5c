import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { OPCUACertificateManager as CertificateManager } from 'node-opcua';
import type { Actor, RequestContext } from '../auth/actor';
import { runCommand, type CommandDeps } from '../commands/run-command';
import { ConflictError, NotFoundError } from '../errors/app-error';

// The OPC UA client's trust list (E01): the server certificates in the PKI dir's trusted/certs and
// rejected folders (node-opcua's layout), and moving one between them. node-opcua's certificate
// manager does the moves; the gateways re-read the folders before their next connect.

export type TrustStatus = 'trusted' | 'rejected';

export type ServerCertificate = {
  /** SHA-1 of the DER, lower-case hex: how OPC UA names a certificate. */
  thumbprint: string;
  status: TrustStatus;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  der: Buffer;
};

const folders = (pkiDir: string): Record<TrustStatus, string> => ({ trusted: path.join(pkiDir, 'trusted', 'certs'), rejected: path.join(pkiDir, 'rejected') });

function toDer(content: Buffer, file: string): Buffer {
  if (!file.toLowerCase().endsWith('.pem')) return content;
  return Buffer.from(content.toString('utf8').replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** Every trusted and rejected server certificate, trusted first; unreadable files are skipped. */
export async function listServerCertificates(pkiDir: string): Promise<ServerCertificate[]> {
  const all: ServerCertificate[] = [];
  for (const [status, folder] of Object.entries(folders(pkiDir)) as Array<[TrustStatus, string]>) {
    if (!existsSync(folder)) continue;
    for (const file of (await readdir(folder)).filter((name) => /\.(pem|der)$/i.test(name)).sort()) {
      const der = toDer(await readFile(path.join(folder, file)), file);
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(der);
      } catch {
        continue;
      }
      all.push({
        thumbprint: certificate.fingerprint.replace(/:/g, '').toLowerCase(),
        status,
        subject: certificate.subject.replace(/\n/g, ', '),
        issuer: certificate.issuer.replace(/\n/g, ', '),
        validFrom: new Date(certificate.validFrom).toISOString(),
        validTo: new Date(certificate.validTo).toISOString(),
        der,
      });
    }
  }
  return all;
}

/** Moves a stored certificate between the trusted and rejected folders (node-opcua's manager). */
async function moveCertificate(pkiDir: string, der: Buffer, to: TrustStatus): Promise<void> {
  // Loaded on first use: node-opcua takes seconds to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OPCUACertificateManager } = require('node-opcua') as { OPCUACertificateManager: typeof CertificateManager };
  const manager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: false, disableFileWatchers: true } as ConstructorParameters<typeof CertificateManager>[0]);
  try {
    await manager.initialize();
    if (to === 'trusted') await manager.trustCertificate(der);
    else await manager.rejectCertificate(der);
  } finally {
    await manager.dispose();
  }
}

/**
 * Moves a server certificate to the trusted or rejected store, audited with a reason. The folders
 * are not in the database: the move happens first, then the audit entry in a command of its own;
 * if that does not commit, the certificate is moved back, so no change of trust goes unaudited.
 * @throws NotFoundError when no stored certificate has this thumbprint
 * @throws ConflictError when it already has the requested status
 */
export async function setServerCertificateTrust(
  deps: CommandDeps,
  actor: Actor,
  request: RequestContext,
  change: { pkiDir: string; thumbprint: string; to: TrustStatus; reason: string },
): Promise<ServerCertificate> {
  const { pkiDir, thumbprint, to, reason } = change;
  const certificate = (await listServerCertificates(pkiDir)).find((c) => c.thumbprint === thumbprint.toLowerCase());
  if (!certificate) throw new NotFoundError(`No trusted or rejected server certificate has the thumbprint ${thumbprint}`);
  if (certificate.status === to) throw new ConflictError(`The certificate ${thumbprint} is already ${to}`);
  await moveCertificate(pkiDir, certificate.der, to);
  try {
    await runCommand(deps, actor, request, async (ctx) => {
      ctx.emit({
        type: to === 'trusted' ? 'equipment.certificateTrusted' : 'equipment.certificateRejected',
        entity: { type: 'EquipmentCertificate', id: certificate.thumbprint },
        before: { status: certificate.status },
        after: { status: to, subject: certificate.subject, issuer: certificate.issuer, validFrom: certificate.validFrom, validTo: certificate.validTo },
        reason,
      });
    });
  } catch (error) {
    await moveCertificate(pkiDir, certificate.der, certificate.status);
    throw error;
  }
  return { ...certificate, status: to };
}
