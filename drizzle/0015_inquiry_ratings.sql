ALTER TABLE "inquiries" ADD COLUMN "rating" smallint;--> statement-breakpoint
ALTER TABLE "inquiries" ADD COLUMN "rating_comment" text;--> statement-breakpoint
ALTER TABLE "inquiries" ADD COLUMN "rated_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "inquiries_created" ON "inquiries" USING btree ("commune_id","created_at");--> statement-breakpoint
ALTER TABLE "inquiries" ADD CONSTRAINT "inquiries_rating_range" CHECK ("inquiries"."rating" is null or "inquiries"."rating" between 1 and 5);