"""A generated school board for benchmarks: N pupils, ~1.7 guardians each, 6% staff."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

LANGUAGES = ["nl"] * 12 + ["tr", "ar", "pl", "uk", "en", "so", "ti", "fa"]
FIRST = ["Daan", "Sem", "Lotte", "Noor", "Emre", "Yasmina", "Omar", "Julia", "Milan"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Demir", "Yılmaz", "El Amrani"]


def write_roster(folder: Path, pupils: int, seed: int = 1) -> dict[str, Path]:
    """staff.csv, pupils.csv, guardians.csv for `pupils` pupils in groups of 16."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    groups = [f"G{n:04d}" for n in range(max(1, pupils // 16))]
    paths = {name: folder / f"{name}.csv" for name in ("staff", "pupils", "guardians")}
    with paths["staff"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["staff_id", "first_name", "last_name", "role", "groups"])
        for n, group in enumerate(groups):
            writer.writerow([f"T{n:05d}", rng.choice(FIRST), rng.choice(LAST), "teacher", group])
        extra = max(2, int(pupils * 0.06) - len(groups))  # at least one coordinator
        for n in range(extra):
            role = "coordinator" if n % 5 else "admin"
            writer.writerow([f"C{n:05d}", rng.choice(FIRST), rng.choice(LAST), role, ""])
    today = date(2026, 11, 30)
    with paths["pupils"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["pupil_id", "first_name", "last_name", "birth_date", "group", "language"])
        for n in range(pupils):
            birth = today - timedelta(days=rng.randint(5 * 365, 19 * 365))
            writer.writerow(
                [
                    f"P{n:06d}",
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    birth.isoformat(),
                    groups[n % len(groups)],
                    "nl",
                ]
            )
    with paths["guardians"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "guardian_id",
                "pupil_id",
                "first_name",
                "last_name",
                "relation",
                "authority",
                "language",
            ]
        )
        guardian = 0
        for n in range(pupils):
            count = 2 if rng.random() < 0.7 else 1
            for relation in ("mother", "father")[:count]:
                writer.writerow(
                    [
                        f"V{guardian:06d}",
                        f"P{n:06d}",
                        rng.choice(FIRST),
                        rng.choice(LAST),
                        relation,
                        "yes" if rng.random() < 0.9 else "no",
                        rng.choice(LANGUAGES),
                    ]
                )
                guardian += 1
    return paths
