-- The recurring sweeps read the rows they act on, never the history a table keeps: an import's row stays for ever
-- (the retention purges what it kept, not the row), a deleted validation's row stays for the retention. Each
-- index lists only the rows one read needs, by a predicate that the read repeats word for word, statuses as literals:
-- SQLite uses a partial index only when the query has its predicate's very terms, and PostgreSQL's generic plan of a
-- prepared statement (the driver's after five runs) only when it can prove the predicate without the bound values.
-- import-expiry: imports waiting for an upload, by the URL's expiry.
create index imports_awaiting_upload on imports (upload_expires_at) where status = 'requested';
-- stranded-jobs: imports the worker runs that have not ended, paged by id.
create index imports_running on imports (id) where status in ('queued', 'processing');
-- The file workflow's execute: the organization's imports that have not ended, oldest first.
create index imports_unfinished on imports (organization_id, id) where status in ('requested', 'queued', 'processing');
-- import-retention: ended imports not purged yet, by when they ended.
create index imports_purgeable on imports (finished_at, id)
    where purged_at is null and status in ('completed', 'failed', 'timed_out', 'expired');
-- validation-file-expiry: the files not deleted yet, by expiry. validation_files_expiry listed among them the rows
-- of deleted files, which stay for the import retention.
drop index validation_files_expiry;
create index validation_files_live on validation_files (expires_at) where deleted_at is null;
