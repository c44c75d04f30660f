CREATE TABLE `billing_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`deployments_seen` integer NOT NULL,
	`deployments_charged` integer NOT NULL,
	`charged_micro` integer NOT NULL,
	`statements` integer NOT NULL,
	`report` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `billing_runs_started` ON `billing_runs` (`started_at`);--> statement-breakpoint
CREATE TABLE `billing_subscriptions` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`plan` text NOT NULL,
	`period_start` integer NOT NULL,
	`period_end` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `billing_subscriptions_period_end` ON `billing_subscriptions` (`period_end`);--> statement-breakpoint
CREATE TABLE `invoice_lines` (
	`invoice_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`description` text NOT NULL,
	`deployment_id` text,
	`gpu_model` text,
	`provider` text,
	`quantity_ms` integer,
	`unit_price_micro` integer,
	`amount_micro` integer NOT NULL,
	`transaction_id` text,
	PRIMARY KEY(`invoice_id`, `position`)
);
--> statement-breakpoint
CREATE INDEX `invoice_lines_by_tenant` ON `invoice_lines` (`tenant_id`,`invoice_id`);--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`period_start` integer NOT NULL,
	`period_end` integer NOT NULL,
	`issued_at` integer NOT NULL,
	`opening_balance_micro` integer NOT NULL,
	`closing_balance_micro` integer NOT NULL,
	`charges_micro` integer NOT NULL,
	`totals` text NOT NULL,
	`transaction_count` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_by_period` ON `invoices` (`tenant_id`,`period_start`);--> statement-breakpoint
CREATE INDEX `invoices_by_tenant` ON `invoices` (`tenant_id`,`period_start`,`id`);--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `topup_transaction_id` text;--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `topup_balance_micro` integer;--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `exhausted_at` integer;--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `usage_month_start` integer;--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `usage_month_micro` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `invoiced_through` integer;--> statement-breakpoint
CREATE INDEX `billing_accounts_exhausted` ON `billing_accounts` (`exhausted_at`) WHERE exhausted_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `billing_accounts_invoiced` ON `billing_accounts` (`invoiced_through`);--> statement-breakpoint
ALTER TABLE `deployments` ADD `margin_bps` integer DEFAULT 1000 NOT NULL;--> statement-breakpoint
ALTER TABLE `deployments` ADD `billed_run_ms` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `deployments` ADD `billed_cost_micro` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `deployments_unbilled` ON `deployments` (`id`) WHERE running_since IS NOT NULL OR cost_micro <> billed_cost_micro;--> statement-breakpoint
CREATE INDEX `ledger_transactions_by_kind` ON `ledger_transactions` (`tenant_id`,`kind`,`created_at`);