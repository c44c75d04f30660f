CREATE TABLE `alert_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`alert_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`offer_count` integer NOT NULL,
	`offer_ids` text NOT NULL,
	`payload` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`sockets` integer,
	`created_at` integer NOT NULL,
	`due_at` integer NOT NULL,
	`claimed_until` integer,
	`delivered_at` integer,
	`failed_at` integer
);
--> statement-breakpoint
CREATE INDEX `alert_deliveries_by_alert` ON `alert_deliveries` (`tenant_id`,`alert_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `alert_deliveries_by_status` ON `alert_deliveries` (`status`,`due_at`);--> statement-breakpoint
CREATE TABLE `alert_delivery_attempts` (
	`tenant_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`at` integer NOT NULL,
	`status_code` integer,
	`latency_ms` integer,
	`error` text,
	`response_snippet` text,
	PRIMARY KEY(`tenant_id`, `delivery_id`, `attempt`)
);
--> statement-breakpoint
CREATE TABLE `alert_matches` (
	`tenant_id` text NOT NULL,
	`alert_id` text NOT NULL,
	`offer_id` text NOT NULL,
	`matched_at` integer NOT NULL,
	`pass_id` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `alert_id`, `offer_id`)
);
--> statement-breakpoint
CREATE INDEX `alert_matches_by_pass` ON `alert_matches` (`pass_id`,`tenant_id`,`alert_id`);--> statement-breakpoint
CREATE TABLE `alert_passes` (
	`id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_by` text
);
--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text,
	`status` text NOT NULL,
	`gpu_model` text NOT NULL,
	`min_gpu_count` integer DEFAULT 1 NOT NULL,
	`max_gpu_count` integer,
	`max_price_per_gpu_hour_micro` integer NOT NULL,
	`pricing` text,
	`region_prefix` text,
	`countries` text,
	`min_availability` text NOT NULL,
	`delivery_type` text NOT NULL,
	`webhook_url` text,
	`secret_ciphertext` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	`evaluated_at` integer,
	`last_fired_at` integer,
	`fire_count` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_by_tenant` ON `alerts` (`tenant_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `alerts_active_by_model` ON `alerts` (`status`,`gpu_model`,`max_price_per_gpu_hour_micro`);