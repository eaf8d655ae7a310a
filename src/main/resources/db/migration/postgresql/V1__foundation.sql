-- Timestamps are epoch milliseconds (UTC) on both databases.
create table organizations (
    id         text primary key,
    slug       text not null unique,
    name       text not null,
    created_at bigint not null
);

create table api_keys (
    id              text primary key,
    organization_id text not null references organizations (id),
    name            text not null,
    kind            text not null,
    scopes          text not null,
    prefix          text not null,
    secret_hash     text not null unique,
    created_at      bigint not null,
    revoked_at      bigint
);
create index api_keys_organization on api_keys (organization_id);

create table custom_objects (
    organization_id text not null references organizations (id),
    slug            text not null,
    label           text not null,
    id_prefix       text not null,
    created_at      bigint not null,
    primary key (organization_id, slug)
);

create table custom_fields (
    organization_id text not null references organizations (id),
    object_slug     text not null,
    slug            text not null,
    label           text not null,
    type            text not null,
    required        boolean not null,
    description     text not null,
    options         text not null,
    targets         text not null,
    multiple        boolean not null,
    position        integer not null,
    created_at      bigint not null,
    primary key (organization_id, object_slug, slug)
);

create table import_reports (
    id              text primary key,
    organization_id text not null references organizations (id),
    slug            text not null,
    report_name     text not null,
    base_object     text not null,
    mapping         text not null,
    created_at      bigint not null,
    updated_at      bigint not null,
    unique (organization_id, slug)
);

create table records (
    id              text primary key,
    organization_id text not null,
    object          text not null,
    external_id     text,
    data            jsonb not null,
    created_at      bigint not null,
    updated_at      bigint not null,
    unique (organization_id, object, external_id)
);
create index records_object on records (organization_id, object, id);
