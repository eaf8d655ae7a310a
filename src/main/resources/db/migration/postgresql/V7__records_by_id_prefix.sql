-- An object's records are read in id order through the primary key over the object's id prefix ("vndr_" up to
-- "vndr`"): every record carries its object's prefix, and an object re-created over records of a deleted one takes
-- their prefix. The (organization_id, object, id) index did the same work and cost a quarter of each insert. The
-- range needs byte order, which the database's own collation need not give ('_' and '`' may sort anywhere), so ids
-- compare in the "C" collation.
alter table records alter column id type text collate "C";
drop index records_object;
-- Fresh statistics, so the planner weighs the id range against the unique key per organization from the start.
analyze records;
