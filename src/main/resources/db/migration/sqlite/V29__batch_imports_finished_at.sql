-- An Import API batch's import is stored once, already ended, and until now its insert left finished_at empty: it
-- showed no end time, and the retention sweep, which purges by finished_at, never purged it. Such imports end when
-- they were stored (their updated_at, unless a rollback moved it since).
update imports set finished_at = updated_at
where finished_at is null and status in ('completed', 'failed', 'timed_out', 'expired');
