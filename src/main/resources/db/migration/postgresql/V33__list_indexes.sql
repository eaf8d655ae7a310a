-- Pages of an organization's imports of one resource, newest first, each given an index so that it reads only its rows
-- (before, each walked imports_organization, the organization's whole history newest first, until it had a page: all
-- of it for a resource no recent import has). Built concurrently, outside a transaction, for V32's reasons and run
-- again from its start after a stopped build in the same way (V33__list_indexes.sql.conf): each index is first
-- dropped if it exists, an INVALID one left by a stopped build among them, then built anew.
-- GET /v1/imports?resource=: the resource's imports.
drop index concurrently if exists imports_organization_resource;
create index concurrently imports_organization_resource on imports (organization_id, resource, id);
-- GET /v1/imports?resource=&status=: the resource's imports in one status.
drop index concurrently if exists imports_organization_resource_status;
create index concurrently imports_organization_resource_status on imports (organization_id, resource, status, id);
-- GET /v1/modules/{module}/import/jobs for a key without read: the module's imports of the file workflow.
drop index concurrently if exists imports_organization_resource_source;
create index concurrently imports_organization_resource_source on imports (organization_id, resource, source, id);
