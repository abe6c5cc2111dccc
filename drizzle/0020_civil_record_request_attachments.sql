CREATE TABLE "civil_record_request_attachments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"kind" text NOT NULL,
	"mime_type" text NOT NULL,
	"file_id" text,
	"url" text,
	"stored" boolean DEFAULT false NOT NULL,
	"name" text,
	"size" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "civil_record_request_attachments_kind" CHECK ("civil_record_request_attachments"."kind" in ('image', 'pdf'))
);
--> statement-breakpoint
ALTER TABLE "civil_record_request_attachments" ADD CONSTRAINT "civil_record_request_attachments_request_id_civil_record_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."civil_record_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "civil_record_request_attachments_request" ON "civil_record_request_attachments" USING btree ("request_id");