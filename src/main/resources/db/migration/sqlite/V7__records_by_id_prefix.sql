-- An object's records are read in id order through the primary key over the object's id prefix ("vndr_" up to
-- "vndr`"): every record carries its object's prefix, and an object re-created over records of a deleted one takes
-- their prefix. The (organization_id, object, id) index did the same work and made every insert a quarter dearer.
drop index records_object;
