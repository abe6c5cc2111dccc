CREATE TABLE "civil_record_copies" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"request_id" bigint NOT NULL,
	"source" text DEFAULT 'generated' NOT NULL,
	"pdf_base64" text NOT NULL,
	"printed" jsonb NOT NULL,
	"verify_token_hash" text NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "civil_record_downloads" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"copy_id" bigint NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "civil_record_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"code" text NOT NULL,
	"channel" text NOT NULL,
	"chat_id" text NOT NULL,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"subject_name" text NOT NULL,
	"subject_date" date NOT NULL,
	"register_number" text,
	"relationship" text NOT NULL,
	"requester_id_number" text,
	"phone" text,
	"phone_verified" boolean DEFAULT false NOT NULL,
	"copies" smallint NOT NULL,
	"delivery_mode" text NOT NULL,
	"post_address" text,
	"fee_amount" integer NOT NULL,
	"consent_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"record_id" bigint,
	"paid_at" timestamp with time zone,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "civil_record_requests_status" CHECK ("civil_record_requests"."status" in ('pending', 'approved', 'rejected', 'delivered', 'cancelled')),
	CONSTRAINT "civil_record_requests_kind" CHECK ("civil_record_requests"."kind" in ('birth', 'marriage', 'death')),
	CONSTRAINT "civil_record_requests_relationship" CHECK ("civil_record_requests"."relationship" in ('self', 'guardian', 'authorised', 'relative', 'agency')),
	CONSTRAINT "civil_record_requests_delivery" CHECK ("civil_record_requests"."delivery_mode" in ('chat', 'counter', 'post')),
	CONSTRAINT "civil_record_requests_copies" CHECK ("civil_record_requests"."copies" between 1 and 10)
);
--> statement-breakpoint
CREATE TABLE "civil_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"kind" text NOT NULL,
	"book" text NOT NULL,
	"number" text NOT NULL,
	"registered_on" date NOT NULL,
	"authority" text NOT NULL,
	"event_date" date NOT NULL,
	"persons" jsonb NOT NULL,
	"facts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"folded_names" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "civil_records_kind" CHECK ("civil_records"."kind" in ('birth', 'marriage', 'death'))
);
--> statement-breakpoint
ALTER TABLE "civil_record_copies" ADD CONSTRAINT "civil_record_copies_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "civil_record_copies" ADD CONSTRAINT "civil_record_copies_request_id_civil_record_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."civil_record_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "civil_record_downloads" ADD CONSTRAINT "civil_record_downloads_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "civil_record_downloads" ADD CONSTRAINT "civil_record_downloads_copy_id_civil_record_copies_id_fk" FOREIGN KEY ("copy_id") REFERENCES "public"."civil_record_copies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "civil_record_requests" ADD CONSTRAINT "civil_record_requests_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "civil_record_requests" ADD CONSTRAINT "civil_record_requests_record_id_civil_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."civil_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "civil_records" ADD CONSTRAINT "civil_records_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "civil_record_copies_verify" ON "civil_record_copies" USING btree ("verify_token_hash");--> statement-breakpoint
CREATE INDEX "civil_record_copies_request" ON "civil_record_copies" USING btree ("request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "civil_record_downloads_token" ON "civil_record_downloads" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "civil_record_requests_code" ON "civil_record_requests" USING btree ("commune_id","code");--> statement-breakpoint
CREATE INDEX "civil_record_requests_queue" ON "civil_record_requests" USING btree ("commune_id","status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "civil_records_entry" ON "civil_records" USING btree ("commune_id","kind","book","number");--> statement-breakpoint
CREATE INDEX "civil_records_event" ON "civil_records" USING btree ("commune_id","kind","event_date");