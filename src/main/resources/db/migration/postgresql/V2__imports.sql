-- The phased import engine: one row per import, its rejected rows, its change log (for rollback), the keys an
-- overwrite import has seen, a version per record, and db-scheduler's queue.
alter table records add column version bigint not null default 1;

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
    has_upload_file    boolean not null,
    has_errors_file    boolean not null,
    total_rows         bigint,
    checkpoint         bigint not null,
    upload_expires_at  bigint,
    deadline_at        bigint,
    cancel_requested   boolean not null,
    rolled_back_at     bigint,
    created_at         bigint not null,
    updated_at         bigint not null
);
create index imports_organization on imports (organization_id, id);

create table import_errors (
    import_id   text not null,
    ordinal     bigint not null,
    seq         integer not null,
    line        bigint not null,
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
    previous_data    jsonb,
    previous_version bigint,
    applied_version  bigint,
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
    task_data            bytea,
    execution_time       timestamp with time zone,
    picked               boolean not null,
    picked_by            text,
    last_success         timestamp with time zone,
    last_failure         timestamp with time zone,
    consecutive_failures int,
    last_heartbeat       timestamp with time zone,
    version              bigint not null,
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
    occurrences   bigint not null,
    first_ordinal bigint not null,
    primary key (import_id, external_id)
);
