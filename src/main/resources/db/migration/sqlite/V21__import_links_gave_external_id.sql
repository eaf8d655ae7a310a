-- A link keeps the external_id its row gave its record (a file workflow row matched by other fields gives a record
-- without one the row's; null when the row gave none): should the link reject its row after the last row, the record
-- gives it back even when the row's other values cannot be undone.
alter table import_links add column gave_external_id text;
