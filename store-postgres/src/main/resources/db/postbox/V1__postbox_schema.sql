-- Postbox's state in PostgreSQL (docs/decisions/0016). Instants are epoch microseconds (bigint): the store never
-- reads the database's clock, the caller passes "now" (QueueStore's contract), so every node judges time alike.

-- Queues by account and name; incarnation names one queue among those that had the name (receipts bind to it).
CREATE TABLE postbox_queue (
    account      text    NOT NULL,
    name         text    NOT NULL,
    incarnation  bigint  NOT NULL UNIQUE,
    fifo         boolean NOT NULL,
    attributes   text    NOT NULL,            -- JSON object of strings, defaults included
    tags         text    NOT NULL,            -- JSON object of strings
    created_at   bigint  NOT NULL,
    modified_at  bigint  NOT NULL,
    last_fifo_sequence bigint NOT NULL DEFAULT 0, -- FIFO sequence numbers grow per queue
    purged_at    bigint,                      -- the purge window
    PRIMARY KEY (account, name)
);

-- When a queue name was freed by a delete (the name-reuse window).
CREATE TABLE postbox_freed_name (
    account  text   NOT NULL,
    name     text   NOT NULL,
    freed_at bigint NOT NULL,
    PRIMARY KEY (account, name)
);

CREATE SEQUENCE postbox_message_sequence;
CREATE SEQUENCE postbox_group_ticket;

-- Messages. A receive rewrites visible_at and the receive counters, never the payload; constant insert, update
-- and delete, so autovacuum runs on row counts, not on a fraction of the table, and pages keep room for HOT updates.
CREATE TABLE postbox_message (
    incarnation       bigint NOT NULL,
    sequence          bigint NOT NULL,
    visible_at        bigint NOT NULL,        -- delayed or in flight until then
    retained_from     bigint NOT NULL,        -- retention counts from here
    receive_count     int    NOT NULL DEFAULT 0,
    first_received_at bigint,
    group_id          text   NOT NULL,        -- FIFO group or fair-queue tenant ("" for none)
    sequence_number   text,                   -- FIFO only
    payload           bytea  NOT NULL,        -- MessageData, core MessageDataCodec
    PRIMARY KEY (incarnation, sequence)
) WITH (fillfactor = 80,
        autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 50000,
        autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 10000,
        autovacuum_vacuum_cost_delay = 0);
-- No statistics on incarnation: the planner would learn that the queues it sampled hold all rows, estimate one row
-- for a queue created after the last ANALYZE (a value outside the most common ones), and then, every index starting
-- with incarnation looking equally cheap, scan a whole queue by the wrong one (measured: a DeleteMessageBatch read
-- 4,000 pages, 58 ms, on a queue of 50,000 messages). Without statistics a queue is estimated at 1/200 of the table.
ALTER TABLE postbox_message ALTER COLUMN incarnation SET STATISTICS 0;
CREATE INDEX postbox_message_visible ON postbox_message (incarnation, visible_at, sequence);
CREATE INDEX postbox_message_group ON postbox_message (incarnation, group_id, sequence);

-- FIFO groups that have messages, lined up by ticket: a group a receive served draws a new one (goes to the back).
-- A receive locks the groups it serves (FOR UPDATE SKIP LOCKED), so one group is served by one receive at a time.
CREATE TABLE postbox_fifo_group (
    incarnation bigint NOT NULL,
    group_id    text   NOT NULL,
    ticket      bigint NOT NULL,
    PRIMARY KEY (incarnation, group_id)
);

-- FIFO deduplication ids of the last five minutes, by group and id (looked up under the scope in force now).
CREATE TABLE postbox_dedup (
    incarnation      bigint NOT NULL,
    deduplication_id text   NOT NULL,
    group_id         text   NOT NULL,
    message_id       text   NOT NULL,
    sequence_number  text   NOT NULL,
    expires_at       bigint NOT NULL,
    PRIMARY KEY (incarnation, deduplication_id, group_id)
);

-- FIFO ReceiveRequestAttemptId: what a receive handed out, for five minutes.
CREATE TABLE postbox_receive_attempt (
    incarnation bigint NOT NULL,
    attempt_id  text   NOT NULL,
    received_at bigint NOT NULL,
    expires_at  bigint NOT NULL,
    receipts    text   NOT NULL,              -- "sequence:receiveCount,..." in delivery order
    PRIMARY KEY (incarnation, attempt_id)
);

CREATE TABLE postbox_move_task (
    task_id         text   PRIMARY KEY,
    source_arn      text   NOT NULL,
    destination_arn text,
    max_per_second  int,
    to_move         bigint NOT NULL,
    moved           bigint NOT NULL,
    started_at      bigint NOT NULL,
    status          text   NOT NULL,
    failure_reason  text
);
CREATE INDEX postbox_move_task_source ON postbox_move_task (source_arn, started_at DESC);

-- Store-wide settings: the receipt-handle key (a handle from one node works on every other).
CREATE TABLE postbox_setting (
    name  text  PRIMARY KEY,
    value bytea NOT NULL
);
