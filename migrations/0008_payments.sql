CREATE TABLE `payment_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`provider` text NOT NULL,
	`provider_order_id` text,
	`provider_payment_id` text,
	`amount_micro` integer NOT NULL,
	`currency` text DEFAULT 'USD' NOT NULL,
	`status` text NOT NULL,
	`refunded_micro` integer DEFAULT 0 NOT NULL,
	`disputed_micro` integer DEFAULT 0 NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`checkout_url` text,
	`last_error` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`paid_at` integer
);
--> statement-breakpoint
CREATE INDEX `payment_orders_by_tenant` ON `payment_orders` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payment_orders_provider_order` ON `payment_orders` (`provider`,`provider_order_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payment_orders_provider_payment` ON `payment_orders` (`provider`,`provider_payment_id`);--> statement-breakpoint
CREATE TABLE `payment_webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`body` text NOT NULL,
	`headers` text NOT NULL,
	`signature_method` text NOT NULL,
	`status` text NOT NULL,
	`outcome` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`next_attempt_at` integer,
	`tenant_id` text,
	`order_id` text,
	`received_at` integer NOT NULL,
	`processed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_webhook_events_provider_event` ON `payment_webhook_events` (`provider`,`event_id`);--> statement-breakpoint
CREATE INDEX `payment_webhook_events_retry` ON `payment_webhook_events` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `payment_webhook_events_by_tenant` ON `payment_webhook_events` (`tenant_id`,`received_at`);