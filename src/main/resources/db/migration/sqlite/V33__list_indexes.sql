-- Pages of an organization's imports of one resource, newest first, each given an index so that it reads only its rows
-- (before, each walked imports_organization, the organization's whole history newest first, until it had a page).
-- GET /v1/imports?resource=: the resource's imports.
create index imports_organization_resource on imports (organization_id, resource, id);
-- GET /v1/imports?resource=&status=: the resource's imports in one status.
create index imports_organization_resource_status on imports (organization_id, resource, status, id);
-- GET /v1/modules/{module}/import/jobs for a key without read: the module's imports of the file workflow.
create index imports_organization_resource_source on imports (organization_id, resource, source, id);
