-- A standard queue's tenants (message groups) take turns in a receive only once a message with a group id came to
-- it: until then a receive is one range scan of postbox_message_visible, not a skip scan over tenants (whose
-- per-execution planning alone cost 3.6 ms a receive, measured). Set once, never cleared while the queue lives.
ALTER TABLE postbox_queue ADD COLUMN tenanted boolean NOT NULL DEFAULT false;
