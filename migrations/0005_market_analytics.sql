CREATE TABLE `provider_market` (
	`provider` text PRIMARY KEY NOT NULL,
	`offer_count` integer NOT NULL,
	`indexed_count` integer NOT NULL,
	`price_index` real,
	`newest_observed_at` integer NOT NULL,
	`median_observed_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `market_summary` ADD `p25_micro` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `market_summary` ADD `p75_micro` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `market_summary` ADD `available_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `market_summary` ADD `limited_count` integer DEFAULT 0 NOT NULL;