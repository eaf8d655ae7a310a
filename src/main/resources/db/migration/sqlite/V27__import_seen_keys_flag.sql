-- An import has seen keys (import_seen) until the import-retention task deletes them, soon after the import ends:
-- set by the chunk that writes its first ones, cleared when the last go. The partial index lists only such imports, so
-- the sweep finds them without reading import_seen. Overwrites not purged yet may have keys; the sweep clears the flag
-- of those that have none.
alter table imports add column has_seen_keys integer not null default 0;
update imports set has_seen_keys = 1 where action = 'overwrite' and purged_at is null;
create index imports_with_seen_keys on imports (id) where has_seen_keys;
