import { z } from 'zod';
import { SIGNATURE_MEANINGS } from '../../auth/signature-meanings';
import { pagination, reason } from './common.schema';

const STATUSES = ['draft', 'in_review', 'approved', 'rejected', 'released', 'superseded', 'retired'] as const;

/** form-js schemas shipped with a version, by form id (`camunda:formRef` / `formKey`). */
const forms = z
  .record(
    z.string().regex(/^[A-Za-z_][\w.-]{0,127}$/, 'a form id'),
    z.looseObject({ components: z.array(z.unknown()) }).refine((form) => JSON.stringify(form).length <= 512 * 1024, 'a form is at most 512 KB'),
  )
  .refine((all) => Object.keys(all).length <= 100, 'at most 100 forms');

// The XML itself is checked by the model parser (size, DOCTYPE, well-formedness) so that its
// refusals name the problem precisely; here it only has to be a non-empty string.
const xml = z.string().min(1, 'the BPMN XML is required');

export const createVersionBody = z
  .object({ xml, changeReason: reason, forms: forms.optional(), basedOnId: z.uuid().optional() })
  .strict()
  .meta({ id: 'CreateProcessVersionRequest' });

export const updateVersionBody = z
  .object({ xml, changeReason: reason, forms: forms.optional() })
  .strict()
  .meta({ id: 'UpdateProcessVersionRequest' });

export const signatureBody = z
  .object({ password: z.string().min(1).max(256), meaning: z.enum(SIGNATURE_MEANINGS), comment: z.string().trim().max(2000).optional() })
  .strict()
  .meta({ id: 'SignatureRequest' });

export const rejectBody = signatureBody.extend({ comment: z.string().trim().min(3, 'say why the version is rejected').max(2000) }).meta({ id: 'RejectRequest' });

export const listVersionsQuery = z.object({ key: z.string().max(128).optional(), status: z.enum(STATUSES).optional(), ...pagination }).strict();

export const diffQuery = z.object({ against: z.uuid() }).strict();

const signatureSchema = z.object({
  id: z.uuid(),
  signer: z.string(),
  signerId: z.uuid(),
  printedName: z.string(),
  meaning: z.enum(SIGNATURE_MEANINGS),
  comment: z.string().nullable(),
  signedAt: z.string(),
  recordHash: z.string(),
  valid: z.boolean(),
});

export const versionSchema = z
  .object({
    id: z.uuid(),
    key: z.string(),
    version: z.number().int(),
    name: z.string().nullable(),
    status: z.enum(STATUSES),
    sha256: z.string(),
    changeReason: z.string(),
    basedOnId: z.uuid().nullable(),
    createdBy: z.string(),
    authors: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    submittedBy: z.string().nullable(),
    submittedAt: z.string().nullable(),
    releasedAt: z.string().nullable(),
    supersededAt: z.string().nullable(),
    retiredAt: z.string().nullable(),
    lint: z.unknown(),
    signatures: z.array(signatureSchema),
  })
  .meta({ id: 'ProcessVersion' });

export const versionDetailSchema = versionSchema
  .extend({
    forms: z.array(z.string()),
    warnings: z.array(z.object({ message: z.string() })).optional(),
    history: z.array(
      z.object({ seq: z.number(), action: z.string(), from: z.string().nullable(), to: z.string().nullable(), at: z.string(), actor: z.string().nullable(), printedName: z.string().nullable(), reason: z.string().nullable() }),
    ),
  })
  .meta({ id: 'ProcessVersionDetail' });

export const processSchema = z
  .object({
    key: z.string(),
    name: z.string().nullable(),
    released: z.object({ id: z.uuid(), version: z.number(), sha256: z.string(), releasedAt: z.string().nullable() }).nullable(),
    latest: z.object({ id: z.uuid(), version: z.number(), status: z.enum(STATUSES) }),
  })
  .meta({ id: 'Process' });
