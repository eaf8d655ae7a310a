-- The errors files of the file workflow's validate step (<data dir>/validations/<id>.errors.csv and .errors.json):
-- one row per validation that found a bad row, made before its files are written, so the sweeper finds the files of
-- an expired validation (and of one a crash left half written). deleted_at is set when the sweeper deletes the files;
-- the row stays a while longer so their download answers 410 rather than 404.
create table validation_files (
    id              text primary key,
    organization_id text not null references organizations (id),
    created_at      bigint not null,
    expires_at      bigint not null,
    deleted_at      bigint
);
create index validation_files_expiry on validation_files (expires_at);
