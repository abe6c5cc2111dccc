-- Before 0022 a notice copy settled as in flight at a crash (sent, never confirmed, not sent again) was told apart
-- only by its last_error text (UNCERTAIN_SEND in src/pipeline/outbox/delivery-store.ts, which stays as the note):
-- such copies get the column that now says it, so the report still counts them and staff can still resend them.
UPDATE "outbound_messages" SET "unconfirmed" = true
WHERE "status" = 'sent' AND "last_error" = 'uncertain: in flight when the server stopped; not sent again';
