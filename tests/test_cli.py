"""The console command on a fresh SQLite database, as the README's `make run` uses it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]


def qlvbdh(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT),
                   "FILE_STORE_DIR": str(db.parent / "files"), "SIGNING_DIR": str(db.parent / "signing"), **env}
    environment.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_migrate_seed_and_manage(tmp_path):
    db = tmp_path / "demo.db"
    assert qlvbdh("migrate", db=db).returncode == 0
    seeded = qlvbdh("seed-demo", db=db)
    assert seeded.returncode == 0, seeded.stderr
    assert "vanthu" in seeded.stdout and "000.00.01.H99" in seeded.stdout
    assert (tmp_path / "signing" / "000.00.01.H99" / "agency.p12").is_file()  # demo keys installed
    assert qlvbdh("seed-demo", db=db).returncode == 0  # idempotent

    created = qlvbdh("create-user", "--agency", "000.00.01.H99", "--username", "pho.vanthu",
                     "--full-name", "Phó Văn Thư", "--roles", "clerk", db=db, QLVBDH_PASSWORD="mot-mat-khau-dai")
    assert created.returncode == 0, created.stderr
    weak = qlvbdh("create-user", "--agency", "000.00.01.H99", "--username", "tam.thoi", "--full-name", "Tạm Thời",
                  "--roles", "clerk", db=db, QLVBDH_PASSWORD="1234567890")
    assert weak.returncode == 2 and "Mật khẩu quá đơn giản" in weak.stderr
    bad = qlvbdh("create-agency", "not an id", "X", db=db)
    assert bad.returncode == 2 and "not a valid" in bad.stderr

    evil = tmp_path / "evil.bpmn"
    evil.write_text((ROOT / "bpmn" / "incoming.bpmn").read_text(encoding="utf-8")
                    .replace("decision == 'return'", "__import__('os').system('id')"), encoding="utf-8")
    refused = qlvbdh("deploy-bpmn", str(evil), "--agency", "000.00.01.H99", db=db)
    assert refused.returncode == 2 and "f_returned" in refused.stderr

    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        users = connection.execute(sa.text("SELECT count(*) FROM app_user")).scalar()
        definitions = connection.execute(sa.text("SELECT count(*) FROM process_definition")).scalar()
    engine.dispose()
    assert users == 2 * 6 + 1 and definitions == 1
