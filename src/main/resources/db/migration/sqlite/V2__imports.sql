-- The phased import engine: one row per import, its rejected rows, its change log (for rollback), the keys an
-- overwrite import has seen, a version per record, and db-scheduler's queue.
alter table records add column version integer not null default 1;

create table imports (
    id                 text primary key,
    organization_id    text not null references organizations (id),
    resource           text not null,
    source             text not null,
    upload_mode        text not null,
    action             text not null,
    status             text not null,
    duplicate_handling text not null,
    reason             text,
    name               text,
    created_by         text not null,
    updated_by         text,
    column_mapping     text,
    phases             text not null,
    stats              text not null,
    checksum           text,
    file_type          text,
    file_name          text,
    has_upload_file    integer not null,
    has_errors_file    integer not null,
    total_rows         integer,
    checkpoint         integer not null,
    upload_expires_at  integer,
    deadline_at        integer,
    cancel_requested   integer not null,
    rolled_back_at     integer,
    created_at         integer not null,
    updated_at         integer not null
);
create index imports_organization on imports (organization_id, id);

create table import_errors (
    import_id   text not null,
    ordinal     integer not null,
    seq         integer not null,
    line        integer not null,
    external_id text,
    field       text,
    code        text not null,
    message     text not null,
    cells       text not null,
    primary key (import_id, ordinal, seq)
);

create table import_changes (
    import_id        text not null,
    record_id        text not null,
    object           text not null,
    external_id      text,
    kind             text not null,
    previous_data    text,
    previous_version integer,
    applied_version  integer,
    primary key (import_id, record_id)
);

create table import_seen (
    import_id   text not null,
    external_id text not null,
    primary key (import_id, external_id)
);

create table settings (
    name  text primary key,
    value text not null
);

create table scheduled_tasks (
    task_name            text not null,
    task_instance        text not null,
    task_data            blob,
    execution_time       timestamp,
    picked               bit,
    picked_by            text,
    last_success         timestamp,
    last_failure         timestamp,
    consecutive_failures int,
    last_heartbeat       timestamp,
    version              bigint,
    priority             smallint,
    state                text,
    primary key (task_name, task_instance)
);
create index execution_time_idx on scheduled_tasks (execution_time);
create index last_heartbeat_idx on scheduled_tasks (last_heartbeat);
create index priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc);

create table import_duplicates (
    import_id     text not null,
    external_id   text not null,
    occurrences   integer not null,
    first_ordinal integer not null,
    primary key (import_id, external_id)
);
