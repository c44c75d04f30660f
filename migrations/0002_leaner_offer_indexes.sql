DROP INDEX `offers_provider_external`;--> statement-breakpoint
DROP INDEX `offers_model_count`;--> statement-breakpoint
DROP INDEX `offers_last_seen`;