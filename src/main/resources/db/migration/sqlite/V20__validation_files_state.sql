-- A validation's errors files while they are written, and the bytes they keep once finished.
-- finished_at: when the files were made whole, or null while a validation is writing them; expires_at is then the
--   writer's lease (renewed every minute, 10 minutes ahead), so the sweeper never deletes files being written and
--   does delete those a crash left half written once the lease ran out. Rows from before this migration count as
--   finished at created_at, keeping their expiry (a crash leftover among them is still deleted when it expires).
-- size_bytes: the two files' bytes once finished (0 for rows from before: they expire within one download TTL).
-- deleted_because: why deleted_at was set: expired, over_limit (the oldest finished files were deleted early to keep
--   FREIGHT_MAX_VALIDATION_FILES_BYTES) or abandoned (a writer's lease ran out).
alter table validation_files add column finished_at integer;
alter table validation_files add column size_bytes integer;
alter table validation_files add column deleted_because text;
update validation_files set finished_at = created_at, size_bytes = 0;
update validation_files set deleted_because = 'expired' where deleted_at is not null;
-- The finished files still kept, oldest first: what the limit deletes.
create index validation_files_kept on validation_files (finished_at, id) where deleted_at is null;
