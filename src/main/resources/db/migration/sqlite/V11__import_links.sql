-- References a file workflow row gave to records of its own object that were not stored yet (a service that depends
-- on one listed after it): the import adds them after its last row, when every row's record is stored. value is the
-- field's value as the row gave it and written the value the row left on the record (both JSON of the one field);
-- unchanged is 1 when the row otherwise left its record as it was. Links leave the table when they are added.
create table import_links (
    import_id text not null,
    ordinal   bigint not null,
    field     text not null,
    record_id text not null,
    value     text not null,
    written   text,
    unchanged integer not null,
    primary key (import_id, ordinal, field)
);
create index import_links_by_record on import_links (import_id, record_id);
