CREATE TABLE "calendar_days" (
	"id" serial PRIMARY KEY NOT NULL,
	"commune_id" integer,
	"day" date NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_days_commune_day" UNIQUE NULLS NOT DISTINCT("commune_id","day")
);
--> statement-breakpoint
CREATE TABLE "commune_working_hours" (
	"commune_id" integer PRIMARY KEY NOT NULL,
	"weekly" jsonb NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "calendar_days" ADD CONSTRAINT "calendar_days_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commune_working_hours" ADD CONSTRAINT "commune_working_hours_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;