CREATE TABLE "local_procedures" (
	"id" serial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "procedure_overrides" (
	"id" serial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"code" text NOT NULL,
	"fee" text,
	"reception_address" text,
	"hours" text,
	"phone" text,
	"note" text,
	"online_url" text,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "procedures" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"field" text DEFAULT '' NOT NULL,
	"levels" text[] DEFAULT '{}' NOT NULL,
	"source" text DEFAULT '' NOT NULL,
	"data" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "local_procedures" ADD CONSTRAINT "local_procedures_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "procedure_overrides" ADD CONSTRAINT "procedure_overrides_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "local_procedures_commune_code" ON "local_procedures" USING btree ("commune_id","code");--> statement-breakpoint
CREATE UNIQUE INDEX "procedure_overrides_commune_code" ON "procedure_overrides" USING btree ("commune_id","code");--> statement-breakpoint
CREATE INDEX "procedures_field" ON "procedures" USING btree ("field");