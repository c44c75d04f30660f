CREATE TABLE `provider_health_hourly` (
	`provider` text NOT NULL,
	`hour_start` integer NOT NULL,
	`pulls_ok` integer DEFAULT 0 NOT NULL,
	`pulls_failed` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`latency_ms_sum` integer DEFAULT 0 NOT NULL,
	`offers_max` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`provider`, `hour_start`)
);
--> statement-breakpoint
CREATE INDEX `provider_health_hourly_hour` ON `provider_health_hourly` (`hour_start`);