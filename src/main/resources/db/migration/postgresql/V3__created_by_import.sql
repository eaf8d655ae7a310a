-- The import that created a record (null for others). Rollback deletes an import's created records by this column
-- (those still at version 1), so a fresh load writes no change-log row per record. No index: rollbacks are rare and
-- may scan, while every import would pay for maintaining one.
alter table records add column created_by_import text;
