CREATE TABLE "reports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"code" text NOT NULL,
	"channel" text NOT NULL,
	"chat_id" text NOT NULL,
	"user_id" text NOT NULL,
	"category" text NOT NULL,
	"description" text NOT NULL,
	"address" text,
	"latitude" double precision,
	"longitude" double precision,
	"photos" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"note" text,
	"referral" text,
	"assigned_to" integer,
	"merged_into" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reports_status" CHECK ("reports"."status" in ('received', 'in_progress', 'done', 'not_ours', 'merged')),
	CONSTRAINT "reports_category" CHECK ("reports"."category" in ('streetlight', 'flooding', 'rubbish', 'road', 'noise', 'order', 'other')),
	CONSTRAINT "reports_latitude" CHECK ("reports"."latitude" is null or "reports"."latitude" between -90 and 90),
	CONSTRAINT "reports_longitude" CHECK ("reports"."longitude" is null or "reports"."longitude" between -180 and 180),
	CONSTRAINT "reports_merged" CHECK (("reports"."status" = 'merged') = ("reports"."merged_into" is not null))
);
--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_assigned_to_staff_accounts_id_fk" FOREIGN KEY ("assigned_to") REFERENCES "public"."staff_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_merged_into_reports_id_fk" FOREIGN KEY ("merged_into") REFERENCES "public"."reports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reports_code" ON "reports" USING btree ("commune_id","code");--> statement-breakpoint
CREATE INDEX "reports_queue" ON "reports" USING btree ("commune_id","status","id");--> statement-breakpoint
CREATE INDEX "reports_chat" ON "reports" USING btree ("commune_id","channel","chat_id","status");--> statement-breakpoint
CREATE INDEX "reports_merged_into" ON "reports" USING btree ("merged_into");