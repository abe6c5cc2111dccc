CREATE TABLE "dossier_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"dossier_id" bigint NOT NULL,
	"status" smallint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"note" text,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dossier_followers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"dossier_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"chat_id" text NOT NULL,
	"user_id" text NOT NULL,
	"conversation_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dossier_verification_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"code" text NOT NULL,
	"channel" text NOT NULL,
	"user_id" text NOT NULL,
	"success" boolean NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dossiers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"commune_id" integer NOT NULL,
	"code" text NOT NULL,
	"procedure_code" text NOT NULL,
	"procedure_name" text,
	"channel" text NOT NULL,
	"status" smallint NOT NULL,
	"status_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"returned_at" timestamp with time zone,
	"applicant_name" text NOT NULL,
	"phone_last4_hmac" text NOT NULL,
	"phone_hint" text NOT NULL,
	"reason" text,
	"fee_amount" bigint,
	"result_delivery" text DEFAULT 'tai_quay' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dossiers_status_range" CHECK ("dossiers"."status" between 1 and 10),
	CONSTRAINT "dossiers_channel" CHECK ("dossiers"."channel" in ('truc_tiep', 'truc_tuyen', 'buu_chinh'))
);
--> statement-breakpoint
ALTER TABLE "dossier_events" ADD CONSTRAINT "dossier_events_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dossier_events" ADD CONSTRAINT "dossier_events_dossier_id_dossiers_id_fk" FOREIGN KEY ("dossier_id") REFERENCES "public"."dossiers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dossier_followers" ADD CONSTRAINT "dossier_followers_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dossier_followers" ADD CONSTRAINT "dossier_followers_dossier_id_dossiers_id_fk" FOREIGN KEY ("dossier_id") REFERENCES "public"."dossiers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dossier_verification_attempts" ADD CONSTRAINT "dossier_verification_attempts_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dossiers" ADD CONSTRAINT "dossiers_commune_id_communes_id_fk" FOREIGN KEY ("commune_id") REFERENCES "public"."communes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dossier_events_unique" ON "dossier_events" USING btree ("dossier_id","status","at");--> statement-breakpoint
CREATE UNIQUE INDEX "dossier_followers_chat" ON "dossier_followers" USING btree ("dossier_id","channel","chat_id");--> statement-breakpoint
CREATE INDEX "dossier_followers_by_chat" ON "dossier_followers" USING btree ("commune_id","channel","chat_id");--> statement-breakpoint
CREATE INDEX "dossier_attempts_resident" ON "dossier_verification_attempts" USING btree ("commune_id","channel","user_id","at");--> statement-breakpoint
CREATE INDEX "dossier_attempts_code" ON "dossier_verification_attempts" USING btree ("commune_id","code","at");--> statement-breakpoint
CREATE UNIQUE INDEX "dossiers_code" ON "dossiers" USING btree ("commune_id","code");--> statement-breakpoint
CREATE INDEX "dossiers_received" ON "dossiers" USING btree ("commune_id","received_at");--> statement-breakpoint
CREATE INDEX "dossiers_finished" ON "dossiers" USING btree ("commune_id","finished_at") WHERE finished_at is not null;