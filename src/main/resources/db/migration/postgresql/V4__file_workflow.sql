-- The file import workflow (seed 003): options of module imports, unresolved references, parsed files awaiting
-- validate/execute, and the mappings an organization confirmed (remembered for later suggestions).
alter table imports add column options text;
-- The run that owns an import: a worker that was taken over (e.g. its heartbeat was missed) cannot commit.
alter table imports add column run_token text;

create table import_reference_warnings (
    import_id  text not null,
    field      text not null,
    value      text not null,
    primary key (import_id, field, value)
);

create table parsed_files (
    id              text primary key,
    organization_id text not null references organizations (id),
    module          text not null,
    file_name       text,
    file_type       text not null,
    encoding        text,
    sheet           text,
    size_bytes      bigint not null,
    checksum        text not null,
    total_rows      bigint not null,
    created_at      bigint not null
);

create table mapping_memory (
    organization_id text not null,
    object          text not null,
    header          text not null,
    field           text not null,
    confirmed_at    bigint not null,
    primary key (organization_id, object, header)
);
