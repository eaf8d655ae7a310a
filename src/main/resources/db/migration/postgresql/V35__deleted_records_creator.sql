-- What a record an import deleted had beside its values, external_id and version (previous_data, external_id,
-- previous_version): the import that created it and when it was created, so that the rollback of the delete
-- re-creates it exactly as it was, and the rollback of the import that created it still finds it as its own.
-- Change-log rows of deletes logged before this version have neither (null): their rollback re-creates the record
-- without a creating import, created now. Columns added without a default: PostgreSQL does not rewrite the table.
alter table import_changes add column created_by_import text;
alter table import_changes add column record_created_at bigint;
