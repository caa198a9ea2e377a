"""Command line: ``agreements import FILE`` — organisations and partnerships from a CSV or XLSX inventory."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from app.imports.rows import text_of
from app.imports.service import ImportSummary, RowOutcome

REJECT_COLUMNS = ["line", "outcome", "column", "reason"]


class RejectsWriter:
    """Writes rejected and doubtful lines as CSV, with their original cells plus line, outcome, column, reason.

    The file is created on the first such line, so a clean import leaves nothing behind.
    """

    def __init__(self, path: Path, headers: list[str]) -> None:
        self.path = path
        self.headers = headers
        self.written = 0
        self._file: IO[str] | None = None
        self._writer: Any = None

    def __call__(self, outcome: RowOutcome, cells: list[Any]) -> None:
        """Write the line if it was rejected or doubtful."""
        if outcome.outcome not in {"rejected", "doubtful"}:
            return
        if self._writer is None:
            self._file = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow([*self.headers, *REJECT_COLUMNS])
        values = [text_of(cell) for cell in cells][: len(self.headers)]
        values += [""] * (len(self.headers) - len(values))
        self._writer.writerow([*values, outcome.line, outcome.outcome, outcome.column or "", outcome.reason or ""])
        self.written += 1

    def close(self) -> None:
        """Close the file if one was written."""
        if self._file is not None:
            self._file.close()


def _count_lines(path: Path) -> int:
    """About how many data lines the file has (for the progress bar)."""
    with path.open("rb") as stream:
        if stream.read(4).startswith(b"PK\x03\x04"):
            try:
                import openpyxl

                workbook = openpyxl.load_workbook(path, read_only=True)
                total = (workbook.worksheets[0].max_row or 1) - 1
                workbook.close()
                return max(total, 0)
            except Exception:  # the import itself reports an unreadable workbook
                return 0
        stream.seek(0)
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")) - 1, 0)


def print_summary(summary: ImportSummary, listed: int = 50) -> None:
    """Print the counts and the first rejected and doubtful lines."""
    counts = summary.counts
    what = "would be" if summary.dry_run else "were"
    typer.echo(
        f"{summary.file_name}: {summary.rows:,} line(s) read; "
        f"{counts['created']:,} created, {counts['updated']:,} updated, {counts['unchanged']:,} unchanged, "
        f"{counts['doubtful']:,} doubtful (imported, flagged), {counts['rejected']:,} rejected"
    )
    typer.echo(
        f"{summary.organisations_created:,} organisation(s) and {summary.partnerships_created:,} partnership(s) "
        f"{what} created" + (" (dry run: nothing was written)" if summary.dry_run else "")
    )
    if summary.ignored_columns:
        typer.echo(f"ignored column(s): {', '.join(summary.ignored_columns)}")
    for problem in summary.problems[:listed]:
        column = f" [{problem.column}]" if problem.column else ""
        typer.echo(f"  line {problem.line}: {problem.outcome}{column}: {problem.reason}")
    if summary.problems_total > listed:
        typer.echo(f"  … and {summary.problems_total - listed:,} more (see the rejects file)")


def register(cli: typer.Typer) -> None:
    """Add this domain's commands to the ``agreements`` command line."""
    from app.cli import _ensure_schema, fail, friendly_errors

    @cli.command("import")
    @friendly_errors
    def import_inventory(
        file: Annotated[Path, typer.Argument(help="The inventory: a CSV or XLSX file (layout in docs/imports.md).")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
        rejects: Annotated[
            Path | None,
            typer.Option(help="Where to write rejected and doubtful lines (default: FILE.rejects.csv)."),
        ] = None,
        as_user: Annotated[
            str | None,
            typer.Option("--as", help="Email of the importing user (a project manager or admin); the default owner."),
        ] = None,
        day_first: Annotated[bool, typer.Option("--day-first", help="Read 03/04/2026 as 3 April.")] = False,
        month_first: Annotated[bool, typer.Option("--month-first", help="Read 03/04/2026 as 4 March.")] = False,
        batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="Lines per committed batch.")] = 1000,
    ) -> None:
        """Import organisations and partnerships from a CSV or XLSX inventory (idempotent; --dry-run to preview).

        Exit code 0: every line imported; 1: some lines were rejected (see the rejects file); 2: unusable input.
        """
        from sqlalchemy import select

        from app.audit.recorder import ACTOR
        from app.config import get_settings
        from app.db import WRITE_OPTION, unit_of_work
        from app.imports.reader import UnusableFile
        from app.imports.service import ImportOptions, open_inventory, run_import
        from app.users.models import Role, User, UserRole
        from app.users.policy import Action, require
        from app.users.service import get_user_by_email

        if day_first and month_first:
            raise fail("choose one of --day-first and --month-first", 2)
        if not file.is_file():
            raise fail(f"no such file: {file}", 2)
        order = "day_first" if day_first else "month_first" if month_first else "auto"
        _ensure_schema(get_settings())
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
                    raise fail("name the importing user with --as EMAIL (a project manager or admin)", 2)
                user = admins[0]
            require(user, Action.CREATE_PARTNERSHIP)
            session.info[ACTOR] = user.id
            rejects_path = rejects or file.with_name(file.name + ".rejects.csv")
            try:
                with file.open("rb") as stream:
                    table, _mapping, _ignored = open_inventory(file.name, stream)
                    headers = [str(h) for h in table.headers]
                    table.close()
            except UnusableFile as exc:
                raise fail(f"{file}: {exc}", 2) from None
            writer = RejectsWriter(rejects_path, headers)
            total = _count_lines(file)
            show_bar = sys.stderr.isatty()
            bar = typer.progressbar(length=total or 1, label="importing", file=sys.stderr) if show_bar else None
            done = [0]

            def progress(rows: int) -> None:
                if bar is not None:
                    bar.update(rows - done[0])
                done[0] = rows

            def commit() -> None:
                session.commit()
                session.connection(execution_options={WRITE_OPTION: True})

            try:
                if bar is not None:
                    bar.__enter__()
                with file.open("rb") as stream:
                    summary = run_import(
                        session,
                        stream,
                        file.name,
                        user,
                        ImportOptions(date_order=order, batch_size=batch_size, dry_run=dry_run),  # type: ignore[arg-type]
                        commit=commit,
                        on_row=writer,
                        progress=progress,
                    )
            except UnusableFile as exc:
                raise fail(f"{file}: {exc}", 2) from None
            finally:
                if bar is not None:
                    bar.__exit__(None, None, None)
                writer.close()
        print_summary(summary)
        if writer.written:
            typer.echo(f"{writer.written:,} rejected or doubtful line(s) written to {rejects_path}")
        if summary.counts["rejected"]:
            rejected = summary.counts["rejected"]
            raise fail(f"{rejected:,} line(s) were rejected; fix them in {rejects_path} and import it again", 1)
