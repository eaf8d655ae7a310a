-- A remembered mapping keeps the whole mapping: the label of a multi-value column and the part of an address column.
alter table mapping_memory add column value_type text;
alter table mapping_memory add column address_part text;
