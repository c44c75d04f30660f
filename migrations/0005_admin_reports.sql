CREATE INDEX `billing_events_by_time` ON `billing_events` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `ledger_transactions_by_time` ON `ledger_transactions` (`created_at`);