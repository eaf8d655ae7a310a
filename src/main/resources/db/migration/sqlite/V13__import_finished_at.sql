-- When an import ended (reached completed, failed, timed_out or expired): what the file workflow shows as
-- completedDateTime and what the retention counts from. updated_at moves on with a later rollback or cancel request.
alter table imports add column finished_at bigint;
update imports set finished_at = updated_at where status in ('completed', 'failed', 'timed_out', 'expired');
