-- Queues belong to a region as well as an account (two regions' queues of one name are two queues). Queues stored
-- before were in the region the node served then: its sqs.region, which the node that migrates passes in
-- (${older_data_region}). Messages and the other tables name queues by incarnation and need no change.
ALTER TABLE postbox_queue ADD COLUMN region text NOT NULL DEFAULT '${older_data_region}';
ALTER TABLE postbox_queue ALTER COLUMN region DROP DEFAULT;
ALTER TABLE postbox_queue DROP CONSTRAINT postbox_queue_pkey, ADD PRIMARY KEY (region, account, name);

ALTER TABLE postbox_freed_name ADD COLUMN region text NOT NULL DEFAULT '${older_data_region}';
ALTER TABLE postbox_freed_name ALTER COLUMN region DROP DEFAULT;
ALTER TABLE postbox_freed_name DROP CONSTRAINT postbox_freed_name_pkey, ADD PRIMARY KEY (region, account, name);
