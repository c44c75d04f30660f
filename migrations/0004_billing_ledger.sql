CREATE TABLE `billing_accounts` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`balance_micro` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `billing_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`kind` text NOT NULL,
	`severity` text NOT NULL,
	`reference` text NOT NULL,
	`detail` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `billing_events_reference` ON `billing_events` (`reference`);--> statement-breakpoint
CREATE INDEX `billing_events_by_tenant` ON `billing_events` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`transaction_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`account` text NOT NULL,
	`amount_micro` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_entries_by_transaction` ON `ledger_entries` (`transaction_id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_by_account` ON `ledger_entries` (`tenant_id`,`account`,`created_at`);--> statement-breakpoint
CREATE TABLE `ledger_transactions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`reference` text NOT NULL,
	`credit_delta_micro` integer NOT NULL,
	`description` text NOT NULL,
	`deployment_id` text,
	`detail` text DEFAULT '{}' NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transactions_reference` ON `ledger_transactions` (`reference`);--> statement-breakpoint
CREATE INDEX `ledger_transactions_by_tenant` ON `ledger_transactions` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `ledger_transactions_by_deployment` ON `ledger_transactions` (`tenant_id`,`deployment_id`,`created_at`);