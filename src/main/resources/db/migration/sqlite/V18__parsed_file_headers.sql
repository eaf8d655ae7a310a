-- The header a parsed file's reader gave (a JSON array of the column names, as RowReader.headers() names them), so
-- validate and execute find a mapping's columns without opening the file again; null for a file parsed before, or
-- whose sheet had no rows.
alter table parsed_files add column headers text;
