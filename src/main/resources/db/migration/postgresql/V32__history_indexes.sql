-- Reads whose cost grew with the history the tables keep, each given an index so that it reads only its rows.
-- Built with CREATE INDEX CONCURRENTLY, outside a transaction (V32__history_indexes.sql.conf): on a deployment with
-- years of imports a plain create index would hold up every write to imports (each Import API call, upload and chunk)
-- for as long as it reads the table. Flyway records this script as applied only once all of it ran; a build that was
-- stopped (a kill, a lost connection, a statement cancelled) leaves its index INVALID (in the catalog, unused, but
-- kept up to date by every write) and the script not applied, so the next start runs it again: each index is first
-- dropped if it exists, the invalid one among them, then built anew.
-- validation-file-expiry: the records of deleted validation files whose retention is over, by when they were deleted.
drop index concurrently if exists validation_files_deleted;
create index concurrently validation_files_deleted on validation_files (deleted_at) where deleted_at is not null;
-- parsed-file-expiry: parsed files past their time to live, by when they were parsed.
drop index concurrently if exists parsed_files_created;
create index concurrently parsed_files_created on parsed_files (created_at, id);
-- GET /v1/imports?status=: a page of the organization's imports in one status, newest first, after the cursor.
drop index concurrently if exists imports_organization_status;
create index concurrently imports_organization_status on imports (organization_id, status, id);
