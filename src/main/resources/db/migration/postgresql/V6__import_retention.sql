-- Imports past the retention (FREIGHT_IMPORT_RETENTION) lose their upload, error rows and change log;
-- purged_at records when.
alter table imports add column purged_at bigint;
