-- The second tap of a consent answer, enforced by the server: the first tap ("I agree",
-- "Withdraw") is kept here for the account that made it, and the second ("Yes, …") counts
-- only when it finds its first shortly before. One per account and request.
CREATE TABLE consent_confirmations (
    user_id        INTEGER NOT NULL,
    discussion_id  INTEGER NOT NULL REFERENCES discussions (id),
    answer         TEXT NOT NULL CHECK (answer IN ('agree', 'withdraw')),
    asked_at       TEXT NOT NULL,
    PRIMARY KEY (user_id, discussion_id)
);
