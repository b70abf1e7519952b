"""The PostgreSQL backend's translation of the shared dialect, without a server: what the
`-m postgresql` pass then runs for real (tests/storage on PostgreSQL)."""

from __future__ import annotations

import re

from bot.storage import load_migrations
from bot.storage.postgres import translate, translate_migration


def test_placeholders_become_psycopgs_and_a_literal_percent_is_kept() -> None:
    assert translate("SELECT * FROM t WHERE a = ? AND b LIKE '5%' AND c = ?") == (
        "SELECT * FROM t WHERE a = %s AND b LIKE '5%%' AND c = %s",
        None,
    )


def test_numbered_placeholders_pass_their_parameters_in_order_of_use() -> None:
    text, order = translate("SELECT * FROM a WHERE x = ?1 OR y IN (SELECT z FROM b WHERE w = ?1)")
    assert text == "SELECT * FROM a WHERE x = %s OR y IN (SELECT z FROM b WHERE w = %s)"
    assert order == (0, 0)
    assert translate("SELECT ?2, ?1")[1] == (1, 0)


def test_a_question_mark_inside_a_text_is_no_placeholder() -> None:
    assert translate("SELECT 'why?' WHERE a = ?") == ("SELECT 'why?' WHERE a = %s", None)


def test_sqlites_functions_and_its_is_become_postgresqls() -> None:
    text, _ = translate(
        "SELECT group_concat(l.pupil_id, '|') FROM x WHERE instr(text, ?) > 0"
        " AND json_type(details, '$.redacted') IS NULL AND a IS ? AND b IS NOT 'cannot'"
        " AND c IS NOT NULL AND d IS NULL"
    )
    assert text == (
        "SELECT string_agg(l.pupil_id, '|') FROM x WHERE strpos(text, %s) > 0"
        " AND jsonb_typeof((details)::jsonb -> 'redacted') IS NULL AND a IS NOT DISTINCT FROM %s"
        " AND b IS DISTINCT FROM 'cannot' AND c IS NOT NULL AND d IS NULL"
    )


def test_every_migration_has_a_postgresql_text_without_sqlites_own_words() -> None:
    for migration in load_migrations():
        text = re.sub(r"--[^\n]*", "", translate_migration(migration))  # not the comments
        for word in ("AUTOINCREMENT", "GLOB", "RAISE(ABORT", "json_each", "PRAGMA"):
            assert word not in text, (migration.name, word)
        # The append-only tables keep a trigger for every change they refuse.
        for trigger in re.findall(r"CREATE TRIGGER (\w+)", migration.sql):
            assert f"CREATE TRIGGER {trigger} " in text, (migration.name, trigger)
