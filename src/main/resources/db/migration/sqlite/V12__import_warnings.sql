-- Warnings about rows an import accepted: a reference the file workflow was to add to a row's record after its last
-- row, and did not, because the record was deleted or its value of the field changed after the row wrote it. The
-- workflow's answer and job list them (code, message, the row's ordinal and the field).
create table import_warnings (
    import_id text not null,
    ordinal   bigint not null,
    field     text not null,
    code      text not null,
    message   text not null,
    primary key (import_id, ordinal, field)
);
