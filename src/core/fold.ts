/**
 * Vietnamese folding, the one copy every matcher builds on (search, phrase
 * matching, slugs): lowercase, diacritics stripped, "đ"/"Đ" → "d". Accepts NFC
 * or NFD input (Unicode decomposition leaves "đ" alone, hence the explicit
 * rule). Pure.
 */
export function foldVietnamese(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .normalize('NFC');
}
