"""``agreements seal make-certificate`` and the demo's self-signed seal: a PKCS#12 file that seals a PDF."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from pydantic import SecretStr
from typer.testing import CliRunner

from app.agreements import seal
from app.cli import cli
from app.config import Settings
from app.devtools.demo_credentials import credentials_path
from app.drafting import outputs


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _settings_from(output: str) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in output.splitlines() if line.startswith("AGREEMENTS_SEAL_")]
    return dict(pairs)


def test_make_certificate_writes_a_seal_that_pyhanko_verifies(tmp_path: Path):
    path = tmp_path / "seal.p12"
    result = _run("seal", "make-certificate", str(path))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = _settings_from(result.output)
    assert values["AGREEMENTS_SEAL_PKCS12_PATH"] == str(path.resolve())
    password = values["AGREEMENTS_SEAL_PKCS12_PASSWORD"]
    settings = Settings(seal_pkcs12_path=str(path), seal_pkcs12_password=SecretStr(password))
    sealed = seal.seal_pdf(outputs.to_pdf("# An agreement\n\nText."), reason="test", settings=settings)
    assert sealed.sealed
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    embedded = PdfFileReader(io.BytesIO(sealed.content)).embedded_signatures[0]
    context = ValidationContext(trust_roots=[seal.certificate_of(path, password)], allow_fetching=False)
    assert validate_pdf_signature(embedded, context).bottom_line

    again = _run("seal", "make-certificate", str(path))
    assert again.exit_code != 0 and "--force" in again.output
    wrong = Settings(seal_pkcs12_path=str(path), seal_pkcs12_password=SecretStr("wrong"))
    assert not seal.usable(wrong)  # a wrong password: unsealed, never a crash
    assert seal.seal_pdf(b"%PDF-1.4", reason="x", settings=wrong) == seal.SealedPdf(b"%PDF-1.4", False)


def test_the_demo_writes_a_self_signed_seal_beside_the_database(cli_database: str, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run("demo")
    assert result.exit_code == 0, result.output
    values = _settings_from(result.output)
    expected = credentials_path(cli_database).with_name("demo-seal.p12")
    assert values["AGREEMENTS_SEAL_PKCS12_PATH"] == str(expected.resolve()) and expected.is_file()
    seal.certificate_of(expected, values["AGREEMENTS_SEAL_PKCS12_PASSWORD"])  # opens with the printed password
