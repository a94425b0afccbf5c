/** Display helpers: times in the browser's time zone with the zone named, durations in words. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "22 Nov 2026, 14:03" (the zone is in the tooltip with the UTC value). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** A <time> element with the UTC value as its machine value and in its title (C08). */
export function timeElement(iso: string | null | undefined): HTMLElement {
  const element = document.createElement('time');
  element.textContent = formatTime(iso);
  if (iso) {
    element.dateTime = iso;
    element.title = `${iso} (UTC) — shown in ${zone}`;
  }
  return element;
}

/** "3 h 12 min", "45 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** "in 2 h", "3 d ago". */
export function relative(iso: string, now = Date.now()): string {
  const delta = Date.parse(iso) - now;
  const text = formatDuration(Math.abs(delta));
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

/** The human words of a role. */
export const ROLE_LABELS: Record<string, string> = {
  process_owner: 'Process owner',
  validation_reviewer: 'Validation reviewer',
  quality: 'Quality',
  supervisor: 'Supervisor',
  operator: 'Operator',
  inspector: 'Inspector',
  admin: 'Administrator',
};

/** What each signature meaning says, shown in the signature dialog (21 CFR 11.50). */
export const MEANING_TEXT: Record<string, string> = {
  authored: 'I am the author of this record.',
  reviewed: 'I have reviewed this record.',
  approved: 'I approve this record for its intended use.',
  rejected: 'I reject this record; it must not be used.',
  released: 'I release this record for use in production.',
  performed: 'I performed this step as recorded.',
  verified: 'I verified this step as recorded.',
  inspected: 'I inspected this item as recorded.',
  dispositioned: 'I dispositioned this material as recorded.',
  closed: 'I close this record.',
};
