-- The pupil file and a parent's copy read the audit entries about a guardian (linking,
-- reachability), which carry no pupil: without this index that is a scan of the whole trail.
CREATE INDEX audit_by_subject ON audit_log (subject_kind, subject_id);
