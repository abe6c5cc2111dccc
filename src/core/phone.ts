/**
 * The one phone normaliser: a number shared through a platform, typed by a
 * resident or sent by the one-stop system becomes the Vietnamese domestic
 * form `0xxxxxxxxx`: `+84 912 345 678`, `84912345678`, `0084912345678` and
 * `0912345678` all give `0912345678`. Numbers that are not Vietnamese keep an
 * international `+<digits>` form. Returns undefined when nothing usable remains.
 */
export function normalizePhone(input: string | undefined | null): string | undefined {
  if (!input) return undefined;
  const trimmed = input.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return undefined;
  if (digits.startsWith('84') && (digits.length === 11 || digits.length === 12)) return `0${digits.slice(2)}`;
  if (digits.startsWith('0084') && digits.length >= 13) return `0${digits.slice(4)}`;
  if (digits.startsWith('0')) return digits;
  // A bare national number without the leading 0 (e.g. "912345678").
  if (!trimmed.startsWith('+') && digits.length === 9 && /^[35789]/.test(digits)) return `0${digits}`;
  return `+${digits}`;
}

/** {@link normalizePhone}, Vietnamese numbers only (9–11 digits with the leading 0): an applicant's phone on a dossier. */
export function normalizeDomesticPhone(input: string | undefined | null): string | undefined {
  const phone = normalizePhone(input);
  return phone && /^0\d{8,10}$/.test(phone) ? phone : undefined;
}
