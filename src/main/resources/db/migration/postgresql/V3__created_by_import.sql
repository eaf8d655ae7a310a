-- The import that created a record (null for others). Rollback deletes an import's created records by this column
-- (those still at version 1), so a fresh load writes no change-log row per record.
alter table records add column created_by_import text;
create index records_created_by_import on records (created_by_import) where created_by_import is not null;
