CREATE TABLE `deployment_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`deployment_id` text NOT NULL,
	`at` integer NOT NULL,
	`from_status` text,
	`to_status` text,
	`reason` text,
	`detail` text,
	`source` text NOT NULL,
	`agent_event_id` text
);
--> statement-breakpoint
CREATE INDEX `deployment_events_by_deployment` ON `deployment_events` (`tenant_id`,`deployment_id`,`at`);--> statement-breakpoint
CREATE UNIQUE INDEX `deployment_events_agent_event` ON `deployment_events` (`agent_event_id`);--> statement-breakpoint
CREATE TABLE `deployment_jobs` (
	`job_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`deployment_id` text NOT NULL,
	`action` text NOT NULL,
	`state` text NOT NULL,
	`deliveries` integer DEFAULT 0 NOT NULL,
	`outcome` text,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `deployment_jobs_by_deployment` ON `deployment_jobs` (`tenant_id`,`deployment_id`);--> statement-breakpoint
CREATE TABLE `deployments` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`offer_id` text NOT NULL,
	`provider` text NOT NULL,
	`offer_external_id` text NOT NULL,
	`gpu_model` text NOT NULL,
	`gpu_count` integer NOT NULL,
	`region` text NOT NULL,
	`pricing` text NOT NULL,
	`quoted_price_per_hour_micro` integer NOT NULL,
	`spec` text NOT NULL,
	`env_ciphertext` text,
	`max_hours` real,
	`max_spend_micro` integer,
	`failover` text,
	`offer_attempts` integer DEFAULT 1 NOT NULL,
	`tried_offers` text DEFAULT '[]' NOT NULL,
	`pod_id` text,
	`connection` text,
	`gpu_utilization` real,
	`run_ms` integer DEFAULT 0 NOT NULL,
	`cost_micro` integer DEFAULT 0 NOT NULL,
	`running_since` integer,
	`status_since` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deployments_by_tenant` ON `deployments` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `deployments_by_tenant_status` ON `deployments` (`tenant_id`,`status`);--> statement-breakpoint
CREATE INDEX `deployments_by_status` ON `deployments` (`status`,`status_since`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `monthly_spend_cap_micro` integer;