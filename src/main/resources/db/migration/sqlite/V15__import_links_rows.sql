-- A link of a required field may reject its row after the last row (its value matches nothing then): the link keeps
-- the row's source line and original cells for the error file (null for links of other fields), what the row did to
-- its record (outcome: created, updated or unchanged), and shared = 1 when another row of the row's chunk wrote the
-- same record (the row's write cannot be undone alone).
alter table import_links add column line bigint;
alter table import_links add column cells text;
alter table import_links add column outcome text;
alter table import_links add column shared integer not null default 0;
