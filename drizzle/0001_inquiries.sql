CREATE TABLE "inquiries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"code" text NOT NULL,
	"channel" text NOT NULL,
	"chat_id" text NOT NULL,
	"user_id" text NOT NULL,
	"question" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"answer" text,
	"answered_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "inquiries" ADD CONSTRAINT "inquiries_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "inquiries_code" ON "inquiries" USING btree ("commune_id","code");--> statement-breakpoint
CREATE INDEX "inquiries_open" ON "inquiries" USING btree ("commune_id","status","created_at");