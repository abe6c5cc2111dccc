-- Data minimization: inbound rows recorded before 0007 kept the platform's whole update (the sender's
-- names and usernames) under payload.raw. Processing never read it; remove it from the old rows.
UPDATE "inbound_messages" SET "payload" = "payload" - 'raw' WHERE "payload" ? 'raw';
