-- Reads whose cost grew with the history the tables keep, each given an index so that it reads only its rows.
-- validation-file-expiry: the records of deleted validation files whose retention is over, by when they were deleted.
create index validation_files_deleted on validation_files (deleted_at) where deleted_at is not null;
-- parsed-file-expiry: parsed files past their time to live, by when they were parsed.
create index parsed_files_created on parsed_files (created_at, id);
-- GET /v1/imports?status=: a page of the organization's imports in one status, newest first, after the cursor.
create index imports_organization_status on imports (organization_id, status, id);
