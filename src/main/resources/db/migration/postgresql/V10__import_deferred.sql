-- Rows an import put off until after its last row, because a reference names a record of their own object that is
-- not stored yet: a later row of the same import (a service that depends on one listed after it, or a cycle), or a
-- key nothing in the import has. record_id is the id kept for the record the row creates, so rows that refer to it
-- can be written before it; state is 'pending', or 'rejected' once no row of the import can satisfy a reference.
-- The original cells are kept so the row is read again as it was. Rows leave the table when they are written.
create table import_deferred (
    import_id   text not null,
    ordinal     bigint not null,
    line        bigint not null,
    external_id text,
    record_id   text not null,
    cells       text not null,
    state       text not null,
    primary key (import_id, ordinal)
);
create index import_deferred_by_key on import_deferred (import_id, external_id);

-- The external ids each put-off row referred to and did not find among the stored records of its own object.
create table import_deferred_refs (
    import_id text not null,
    ordinal   bigint not null,
    target    text not null,
    primary key (import_id, ordinal, target)
);
