ALTER TABLE "notice_deliveries" ALTER COLUMN "outbound_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notice_deliveries" ADD COLUMN "held_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "notice_deliveries_held" ON "notice_deliveries" USING btree ("commune_id","channel","chat_id") WHERE outbound_id is null;