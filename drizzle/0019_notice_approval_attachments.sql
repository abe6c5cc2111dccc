CREATE TABLE "notice_attachments" (
	"notice_id" integer PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"mime_type" text NOT NULL,
	"size" integer NOT NULL,
	"content_base64" text NOT NULL,
	"token" text NOT NULL,
	"url" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notice_attachments_token_unique" UNIQUE("token")
);
--> statement-breakpoint
ALTER TABLE "notices" DROP CONSTRAINT "notices_status";--> statement-breakpoint
ALTER TABLE "communes" ADD COLUMN "notices_require_approval" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "notices" ADD COLUMN "decided_by" text;--> statement-breakpoint
ALTER TABLE "notices" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notices" ADD COLUMN "reject_reason" text;--> statement-breakpoint
ALTER TABLE "notice_attachments" ADD CONSTRAINT "notice_attachments_notice_id_notices_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."notices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notices" ADD CONSTRAINT "notices_status" CHECK ("notices"."status" in ('draft', 'awaiting_approval', 'scheduled', 'sending', 'sent', 'cancelled', 'rejected'));