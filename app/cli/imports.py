"""Command line: ``agreements import FILE`` — organisations and partnerships from a CSV or XLSX inventory."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from sqlalchemy import select

from app.audit.recorder import ACTOR
from app.cli.support import ensure_schema, fail, friendly_errors
from app.config import get_settings
from app.db import WRITE_OPTION, unit_of_work
from app.i18n import MESSAGES
from app.imports.headers import MappingError, load_mapping
from app.imports.headers import save_mapping as write_mapping
from app.imports.reader import UnusableFile
from app.imports.rows import text_of
from app.imports.summary import FOR_REJECTS_FILE, ImportSummary, RowOutcome
from app.users.models import Role, User, UserRole
from app.users.policy import Action, require
from app.users.service import get_user_by_email

REJECT_COLUMNS = ["line", "reason"]


class RejectsWriter:
    """Writes the lines that did not go in, as the input wrote them, plus ``line`` and ``reason``.

    The file keeps the input's delimiter and encoding, with a byte-order mark when the input had one (a CSV
    saved from Excel opens in Excel again); from an XLSX it is UTF-8 CSV with a mark. It is created on the first
    such line, so a clean import leaves nothing behind; fixed, it imports again as it is.
    """

    def __init__(self, path: Path, headers: list[str], delimiter: str = ",", encoding: str = "utf-8-sig") -> None:
        self.path = path
        self.headers = headers
        self.delimiter = delimiter
        self.encoding = encoding
        self.written = 0
        self._file: IO[str] | None = None
        self._writer: Any = None

    @classmethod
    def like(cls, path: Path, table: Any) -> RejectsWriter:
        """A writer that writes as the input table was written."""
        headers = [text_of(h) for h in table.headers]
        if table.format != "csv":
            return cls(path, headers)
        encoding = table.encoding or "utf-8"
        if encoding == "utf-8" and getattr(table, "bom", False):
            encoding = "utf-8-sig"
        return cls(path, headers, table.delimiter or ",", encoding)

    def __call__(self, outcome: RowOutcome, cells: list[Any]) -> None:
        """Write the line if it was rejected or left in conflict."""
        if outcome.outcome not in FOR_REJECTS_FILE:
            return
        if self._writer is None:
            self._file = self.path.open("w", encoding=self.encoding, errors="replace", newline="")
            self._writer = csv.writer(self._file, delimiter=self.delimiter)
            self._writer.writerow([*self.headers, *REJECT_COLUMNS])
        values = [text_of(cell) for cell in cells]
        values += [""] * (len(self.headers) - len(values))
        reason = outcome.reason or ""
        if outcome.column and not reason.startswith(f"{outcome.column}:"):
            reason = f"{outcome.column}: {reason}"
        self._writer.writerow([*values[: max(len(self.headers), len(values))], outcome.line, reason])
        self.written += 1

    def close(self) -> None:
        """Close the file if one was written."""
        if self._file is not None:
            self._file.close()


def _count_lines(path: Path) -> int:
    """About how many data lines the file has (for the progress bar)."""
    with path.open("rb") as stream:
        if stream.read(4).startswith(b"PK\x03\x04"):
            return 0  # a workbook's declared size is not to be trusted; the bar counts up instead
        stream.seek(0)
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")) - 1, 0)


def print_summary(summary: ImportSummary, listed: int = 50) -> None:
    """Print the figures, the values read another way, the conflicts and the first problem lines."""
    for line in summary.lines(listed)[1 + len(summary.header) :]:
        if not line.startswith("  skipped above the header"):
            typer.echo(line)


def _given_mapping(pairs: list[str], mapping_file: Path | None) -> dict[str, str] | None:
    given: dict[str, str] = {}
    if mapping_file is not None:
        try:
            given.update(load_mapping(mapping_file))
        except (MappingError, OSError) as exc:
            raise fail(f"{mapping_file}: {exc}", 2) from None
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or not header.strip() or not field.strip():
            raise fail(MESSAGES.gettext('--map takes "Header text=field", not {pair}', pair=repr(pair)), 2)
        given[header.strip()] = field.strip()
    return given or None


@friendly_errors
def import_inventory(
    file: Annotated[
        Path, typer.Argument(help=MESSAGES.lazy("The inventory: a CSV or XLSX file (layout in docs/imports.md)."))
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help=MESSAGES.lazy("Show the column mapping and what would change; write nothing.")),
    ] = False,
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help=MESSAGES.lazy("Apply the differences with recorded partnerships (stage, dates, focal point)."),
        ),
    ] = False,
    column_map: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar='"HEADER=FIELD"',
            help=MESSAGES.lazy(
                'Map a column by hand, e.g. --map "Nation=country"; FIELD "ignore" leaves a column out. Repeatable.'
            ),
        ),
    ] = None,
    mapping_file: Annotated[
        Path | None,
        typer.Option("--mapping", metavar="FILE", help=MESSAGES.lazy("Read the column mapping from this JSON file.")),
    ] = None,
    save_mapping: Annotated[
        Path | None,
        typer.Option(
            "--save-mapping", metavar="FILE", help=MESSAGES.lazy("Write the column mapping used to this JSON file.")
        ),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(help=MESSAGES.lazy("Where to write the lines that did not go in (default: FILE.rejects.csv).")),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="EMAIL",
            help=MESSAGES.lazy("Email of the importing user (a project manager or admin); the default owner."),
        ),
    ] = None,
    day_first: Annotated[bool, typer.Option("--day-first", help=MESSAGES.lazy("Read 03/04/2026 as 3 April."))] = False,
    month_first: Annotated[
        bool, typer.Option("--month-first", help=MESSAGES.lazy("Read 03/04/2026 as 4 March."))
    ] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, metavar="LINES", help=MESSAGES.lazy("Lines per committed batch."))
    ] = 1000,
) -> None:
    """Import organisations and partnerships from a CSV or XLSX inventory (idempotent; --dry-run to preview).

    Exit code 0: every line imported; 1: some lines were rejected or conflict with the record (see the
    rejects file; --update applies conflicts); 2: unusable input.
    """
    # Imported here, not above: reading and matching an inventory costs every other command 0.2 s.
    from app.imports.service import ImportOptions, InventoryImport, open_inventory

    if day_first and month_first:
        raise fail(MESSAGES.gettext("choose one of --day-first and --month-first"), 2)
    if not file.is_file():
        raise fail(MESSAGES.gettext("no such file: {file}", file=file), 2)
    given = _given_mapping(column_map or [], mapping_file)
    order = "day_first" if day_first else "month_first" if month_first else "auto"
    ensure_schema(get_settings())
    with unit_of_work() as session:
        if as_user:
            user = get_user_by_email(session, as_user)
        else:
            admins = list(
                session.scalars(
                    select(User).join(UserRole).where(UserRole.role == Role.ADMIN, User.is_active.is_(True))
                ).unique()
            )
            if len(admins) != 1:
                raise fail(MESSAGES.gettext("name the importing user with --as EMAIL (a project manager or admin)"), 2)
            user = admins[0]
        require(user, Action.CREATE_PARTNERSHIP)
        session.info[ACTOR] = user.id
        rejects_path = rejects or file.with_name(file.name + ".rejects.csv")
        try:
            with file.open("rb") as stream:
                table, mapping = open_inventory(file.name, stream, given)
                table.close()
        except UnusableFile as exc:
            raise fail(f"{file}: {exc}", 2) from None
        typer.echo(
            MESSAGES.gettext("{name}: header on line {header_line}", name=file.name, header_line=table.header_line)
        )
        for line, text in table.skipped:
            typer.echo(MESSAGES.gettext("  skipped above the header: line {line}: {value}", line=line, value=text[:80]))
        for line in mapping.describe():
            typer.echo(f"  {line}")
        if save_mapping is not None:
            write_mapping(save_mapping, mapping)
            typer.echo(MESSAGES.gettext("column mapping saved to {save_mapping}", save_mapping=save_mapping))
        writer = RejectsWriter.like(rejects_path, table)
        total = _count_lines(file)
        show_bar = sys.stderr.isatty()
        bar = typer.progressbar(length=total or 1, label="importing", file=sys.stderr) if show_bar else None
        done = [0]

        def progress(rows: int) -> None:
            if bar is not None:
                bar.update(rows - done[0])
            done[0] = rows

        options = ImportOptions(
            date_order=order,  # type: ignore[arg-type]
            batch_size=batch_size,
            dry_run=dry_run,
            update=update,
            given_mapping=given,
        )
        try:
            if bar is not None:
                bar.__enter__()
            with file.open("rb") as stream:
                # The command owns the transaction: each batch is committed here, so memory stays flat and a
                # failure keeps the batches before it (a dry run commits nothing: it is undone at the end).
                job = InventoryImport(session, stream, file.name, user, options, on_row=writer)
                for lines_read in job.batches():
                    if not dry_run:
                        session.commit()
                        session.connection(execution_options={WRITE_OPTION: True})
                    progress(lines_read)
                summary = job.finish()
        except UnusableFile as exc:
            raise fail(f"{file}: {exc}", 2) from None
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
            writer.close()
    print_summary(summary)
    if writer.written:
        typer.echo(
            MESSAGES.gettext(
                "{written:,} line(s) that did not go in written to {rejects_path}",
                written=writer.written,
                rejects_path=rejects_path,
            )
        )
    if summary.counts["rejected"]:
        rejected = summary.counts["rejected"]
        raise fail(
            MESSAGES.gettext(
                "{rejected:,} line(s) were rejected; fix them in {rejects_path} and import it again",
                rejected=rejected,
                rejects_path=rejects_path,
            ),
            1,
        )
    if summary.counts["conflict"]:
        raise fail(
            MESSAGES.gettext(
                "{conflict:,} line(s) conflict with the record; "
                "check them and import again with --update to apply them",
                conflict=summary.counts["conflict"],
            ),
            1,
        )
