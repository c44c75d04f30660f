CREATE TABLE `assistant_conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`created_by` text,
	`turn_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `assistant_conversations_by_tenant` ON `assistant_conversations` (`tenant_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `assistant_turns` (
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`seq` integer NOT NULL,
	`message` text NOT NULL,
	`intent` text NOT NULL,
	`facts` text NOT NULL,
	`interpretation` text NOT NULL,
	`reply` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `conversation_id`, `seq`)
);
