CREATE TABLE "staff_ping_links" (
	"staff_id" integer PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"code_hash" text,
	"code_expires_at" timestamp with time zone,
	"channel" text,
	"chat_id" text,
	"user_id" text,
	"linked_at" timestamp with time zone,
	"last_pinged_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "staff_ping_links" ADD CONSTRAINT "staff_ping_links_staff_id_staff_accounts_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_ping_links" ADD CONSTRAINT "staff_ping_links_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;