CREATE TABLE `gpu_price_buckets` (
	`gpu_model` text NOT NULL,
	`pricing` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`min_micro` integer NOT NULL,
	`median_micro` integer NOT NULL,
	`max_micro` integer NOT NULL,
	`offer_count` integer NOT NULL,
	PRIMARY KEY(`gpu_model`, `pricing`, `bucket_start`)
);
--> statement-breakpoint
CREATE INDEX `gpu_price_buckets_start` ON `gpu_price_buckets` (`bucket_start`);--> statement-breakpoint
CREATE TABLE `ingestion_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`status` text NOT NULL,
	`providers_ok` integer DEFAULT 0 NOT NULL,
	`providers_failed` integer DEFAULT 0 NOT NULL,
	`providers_skipped` integer DEFAULT 0 NOT NULL,
	`offers_seen` integer DEFAULT 0 NOT NULL,
	`history_rows` integer DEFAULT 0 NOT NULL,
	`marked_unavailable` integer DEFAULT 0 NOT NULL,
	`deleted` integer DEFAULT 0 NOT NULL,
	`duration_ms` integer
);
--> statement-breakpoint
CREATE INDEX `ingestion_runs_started` ON `ingestion_runs` (`started_at`);--> statement-breakpoint
CREATE TABLE `leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `market_summary` (
	`gpu_model` text NOT NULL,
	`pricing` text NOT NULL,
	`offer_count` integer NOT NULL,
	`provider_count` integer NOT NULL,
	`min_micro` integer NOT NULL,
	`median_micro` integer NOT NULL,
	`max_micro` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`gpu_model`, `pricing`)
);
--> statement-breakpoint
CREATE TABLE `offers` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`external_id` text NOT NULL,
	`gpu_model` text NOT NULL,
	`raw_gpu_name` text NOT NULL,
	`gpu_count` integer NOT NULL,
	`vram_gb_per_gpu` integer NOT NULL,
	`total_vram_gb` integer NOT NULL,
	`vcpus` real,
	`ram_gb` real,
	`storage_gb` real,
	`price_per_hour_micro` integer NOT NULL,
	`price_per_gpu_hour_micro` integer NOT NULL,
	`pricing` text NOT NULL,
	`region` text NOT NULL,
	`country` text,
	`availability` text NOT NULL,
	`interconnect` text,
	`source` text NOT NULL,
	`observed_at` integer NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offers_provider_external` ON `offers` (`provider`,`external_id`);--> statement-breakpoint
CREATE INDEX `offers_by_price` ON `offers` (`price_per_hour_micro`,`id`);--> statement-breakpoint
CREATE INDEX `offers_by_gpu_price` ON `offers` (`price_per_gpu_hour_micro`,`id`);--> statement-breakpoint
CREATE INDEX `offers_by_vram` ON `offers` (`vram_gb_per_gpu`,`id`);--> statement-breakpoint
CREATE INDEX `offers_by_count` ON `offers` (`gpu_count`,`id`);--> statement-breakpoint
CREATE INDEX `offers_by_observed` ON `offers` (`observed_at`,`id`);--> statement-breakpoint
CREATE INDEX `offers_model_price` ON `offers` (`gpu_model`,`price_per_hour_micro`,`id`);--> statement-breakpoint
CREATE INDEX `offers_model_gpu_price` ON `offers` (`gpu_model`,`price_per_gpu_hour_micro`,`id`);--> statement-breakpoint
CREATE INDEX `offers_model_count` ON `offers` (`gpu_model`,`gpu_count`,`id`);--> statement-breakpoint
CREATE INDEX `offers_last_seen` ON `offers` (`last_seen_at`);--> statement-breakpoint
CREATE TABLE `price_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`offer_id` text NOT NULL,
	`provider` text NOT NULL,
	`gpu_model` text NOT NULL,
	`gpu_count` integer NOT NULL,
	`pricing` text NOT NULL,
	`price_per_hour_micro` integer NOT NULL,
	`price_per_gpu_hour_micro` integer NOT NULL,
	`availability` text NOT NULL,
	`observed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `price_history_offer` ON `price_history` (`offer_id`,`observed_at`);--> statement-breakpoint
CREATE INDEX `price_history_observed` ON `price_history` (`observed_at`);--> statement-breakpoint
CREATE TABLE `provider_health` (
	`provider` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`last_attempt_at` integer,
	`last_success_at` integer,
	`last_error_at` integer,
	`last_error_kind` text,
	`last_error` text,
	`latency_ms` integer,
	`offer_count` integer DEFAULT 0 NOT NULL,
	`unknown_gpu_count` integer DEFAULT 0 NOT NULL,
	`skipped_count` integer DEFAULT 0 NOT NULL,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`circuit_open_until` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `unknown_gpu_names` (
	`provider` text NOT NULL,
	`raw_name` text NOT NULL,
	`offer_count` integer NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`provider`, `raw_name`)
);
