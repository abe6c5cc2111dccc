ALTER TABLE "outbound_messages" ADD COLUMN "unconfirmed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_unconfirmed_sent" CHECK (not "outbound_messages"."unconfirmed" or "outbound_messages"."status" = 'sent');
