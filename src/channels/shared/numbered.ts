import type { ReplyButton } from '../../core/types.js';

/** The action ids a typed digit selects, in order ("2" -> second entry). Store it with the conversation. */
export function numberedChoices(buttons: ReplyButton[] | undefined): string[] {
  return (buttons ?? []).filter((b) => !b.url && b.action).map((b) => b.action as string);
}

/**
 * The text fallback for buttons, appended to every message that has buttons
 * so a resident can answer by typing a number where buttons are refused or
 * absent (Zalo OA, Zalo Bot Platform): action buttons are numbered, links are
 * listed with their URL.
 */
export function numberedFallback(buttons: ReplyButton[]): string {
  const lines: string[] = [];
  let n = 0;
  for (const b of buttons) {
    if (b.url) lines.push(`• ${b.label}: ${b.url}`);
    else if (b.action) lines.push(`${++n}. ${b.label}`);
  }
  if (n > 0) {
    lines.push(
      n === 1
        ? 'Gõ số 1 để chọn.'
        : n <= 3
          ? `Gõ số ${Array.from({ length: n }, (_, i) => i + 1).join(', ')} để chọn.`
          : `Gõ số từ 1 đến ${n} để chọn.`,
    );
  }
  return lines.join('\n');
}
