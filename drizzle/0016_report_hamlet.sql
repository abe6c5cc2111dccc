ALTER TABLE "reports" ADD COLUMN "hamlet_id" integer;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_hamlet_id_notice_hamlets_id_fk" FOREIGN KEY ("hamlet_id") REFERENCES "public"."notice_hamlets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reports_hamlet" ON "reports" USING btree ("commune_id","hamlet_id","id");