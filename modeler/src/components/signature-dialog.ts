import type { SignatureInput } from '../app/api';
import { field, h } from '../app/dom';
import { MEANING_TEXT } from '../app/format';
import type { User } from '../app/types';
import { openDialog } from './dialog';

export type SignatureRequest<T> = {
  /** What is signed, in words: "Process inspection, version 3". */
  record: string;
  /** The content hash the signature binds to, when known (shown shortened). */
  recordHash?: string | null;
  meaning: string;
  signer: User;
  /** A comment is required (a rejection says why). */
  commentRequired?: boolean;
  commentLabel?: string;
  submitLabel?: string;
  /** Sends the signature; throwing keeps the dialog open with the problem shown (wrong password…). */
  sign: (signature: SignatureInput) => Promise<T>;
};

/**
 * The electronic signature dialog (21 CFR 11.50, 11.200): it shows who signs, what is signed and
 * the meaning of the signature, and asks for the password every time — nothing is remembered
 * between signatures. Resolves with what `sign` returned, or null when cancelled.
 */
export function signatureDialog<T>(request: SignatureRequest<T>): Promise<T | null> {
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, maxlength: 256 });
  const comment = h('textarea', {
    name: 'comment',
    rows: 3,
    maxlength: 2000,
    required: request.commentRequired ? true : undefined,
    minlength: request.commentRequired ? 3 : undefined,
  });
  const meaningText = MEANING_TEXT[request.meaning] ?? request.meaning;
  const summary = h(
    'dl',
    { class: 'signature-summary' },
    h('dt', null, 'Signer'),
    h('dd', { 'data-testid': 'signature-signer' }, `${request.signer.printedName} (${request.signer.username})`),
    h('dt', null, 'Record'),
    h('dd', null, request.record, request.recordHash ? h('code', { class: 'hash', title: request.recordHash }, ` ${request.recordHash.slice(0, 12)}`) : null),
    h('dt', null, 'Meaning'),
    h('dd', null, h('strong', { class: 'meaning', 'data-testid': 'signature-meaning' }, request.meaning), h('span', { class: 'meaning-text' }, ` — ${meaningText}`)),
  );
  return openDialog<T>({
    title: 'Electronic signature',
    body: [
      summary,
      h('p', { class: 'legal' }, 'Your password is your legally binding signature. It is asked for every signature and is not stored by this page.'),
      field('Password', password),
      field(request.commentLabel ?? (request.commentRequired ? 'Reason (required)' : 'Comment (optional)'), comment),
    ],
    submitLabel: request.submitLabel ?? `Sign as ${request.meaning}`,
    danger: request.meaning === 'rejected',
    submit: async () => {
      const text = comment.value.trim();
      if (request.commentRequired && text.length < 3) throw new Error('Say why, in at least 3 characters');
      try {
        return await request.sign({ password: password.value, meaning: request.meaning, ...(text ? { comment: text } : {}) });
      } finally {
        // The password never outlives the attempt.
        password.value = '';
      }
    },
  });
}
