-- How many row warnings and unresolved reference values an import found, beside the first ones it keeps
-- (import_warnings, import_reference_warnings): its answers say how many they leave out. Each chunk adds to them in the
-- transaction that stores its warnings, so a resumed import counts nothing twice. An import stored before this
-- version has no count (warnings_count null; its answers give null): what it found before is not known.
-- A column added without a default: PostgreSQL does not rewrite imports.
alter table imports add column warnings_count bigint;

-- field → how many distinct values of it matched nothing.
create table import_reference_counts (
    import_id   text not null,
    field       text not null,
    value_count bigint not null,
    primary key (import_id, field)
);

-- A 64-bit hash of each distinct unresolved value (the first bytes of its SHA-256), so that a value named again in a
-- later chunk, or after a resume, is not counted again: only the first values are kept whole.
create table import_reference_seen (
    import_id  text not null,
    field      text not null,
    value_hash bigint not null,
    primary key (import_id, field, value_hash)
);
