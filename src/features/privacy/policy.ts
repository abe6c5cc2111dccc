/**
 * How long the assistant keeps what residents tell it (issue 20 item 5).
 *
 * Law 91/2025/QH15 on personal data protection (in force 1 January 2026) lets
 * the commune keep personal data only as long as the purpose it was collected
 * for needs it, and then erase it. The purposes here are answering a message,
 * handing a question to staff, and following a case to its end; statistics
 * need counts and times, never the words. So the rows stay (ids, times,
 * channels, statuses: what statistics, deduplication of redelivered webhooks
 * and the audit log rely on) and their contents go:
 *
 * - **Message text** (what residents wrote, including a shared phone number
 *   or location, and the bot's replies, which may quote a dossier): 90 days.
 *   A follow-up question about an answer comes within days; a quarter covers
 *   the longest dossier deadlines residents ask about in one conversation.
 * - **Conversation state** (a half-filled form): 30 days without a message.
 *   Every form expires long before that; what is left is only leftovers.
 * - **Closed cases** (questions for staff, residents' reports): their text,
 *   address and location 365 days after they were closed, answered or merged,
 *   so a complaint about a handling can still be checked within a year; the
 *   status, times and rating stay for the statistics. Report photos follow
 *   REPORT_PHOTO_RETENTION_DAYS (their own job).
 * - **Verification attempts** (which chat tried which dossier code): 30 days;
 *   they only feed the guessing limits, whose longest window is a day.
 * - Civil-record requests keep their own period, CIVIL_RECORD_RETENTION_DAYS (default 90) (features/civil-records).
 *
 * Each period is configurable (RETENTION_*_DAYS); a resident may also ask for
 * everything to be erased at once (`npm run resident:erase`).
 */
export interface RetentionPolicy {
  messageDays: number;
  conversationStateDays: number;
  closedCaseDays: number;
  verificationAttemptDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  messageDays: 90,
  conversationStateDays: 30,
  closedCaseDays: 365,
  verificationAttemptDays: 30,
};

/** What replaces an erased free text that cannot be empty (a question, a report's description). */
export const ERASED_TEXT = '(đã xóa theo quy định bảo vệ dữ liệu cá nhân)';
