-- Exports: saved reports (a module, columns, labels, filters and sort under a name) and background export jobs,
-- whose files live under <data dir>/exports until they expire.
create table saved_reports (
    id              text primary key,
    organization_id text not null references organizations (id),
    name            text not null,
    module          text not null,
    definition      text not null,
    created_at      bigint not null,
    updated_at      bigint not null
);
create index saved_reports_organization on saved_reports (organization_id, id);

create table export_jobs (
    id              text primary key,
    organization_id text not null references organizations (id),
    source_type     text not null,
    source_id       text not null,
    module          text not null,
    format          text not null,
    config          text not null,
    status          text not null,
    progress        integer not null,
    record_count    bigint,
    file_name       text not null,
    file_size_bytes bigint,
    content_type    text not null,
    error           text,
    created_by      text,
    requested_at    bigint not null,
    started_at      bigint,
    completed_at    bigint,
    expires_at      bigint
);
create index export_jobs_organization on export_jobs (organization_id, id);
create index export_jobs_expiry on export_jobs (status, expires_at);
