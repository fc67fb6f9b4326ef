"""``finmodel table``: the yearly line items and standard tables without Excel."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UsageError
from ..i18n import is_zh, t
from .helptext import HelpCommand
from .options import load_scenario, scenario_argument, set_option


@click.command("table", cls=HelpCommand)
@scenario_argument
@set_option
@click.option("--statement", "names", multiple=True, metavar="NAME",
              help="A standard table (project, equity, income, plan, balance, loan, sources), calcs (every line "
                   "item) or government; repeatable; default: all the standard tables.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "parquet"]), default="text", show_default=True,
              help="text: wrapped to the terminal; csv to stdout or -o FILE; parquet to -o FILE.")
@click.option("-o", "--output", "out", default=None, metavar="FILE", help="Write the table(s) to FILE (csv, parquet).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the labels (default: as the terminal's, see finmodel --help).")
def table_cmd(scenario, sets, names, fmt, out, lang):
    """Print or write the yearly line items and standard tables (amounts in 万元, years as columns).

    Example: finmodel table --statement plan --statement balance
    """
    import pandas as pd

    from .. import engine
    from ..io import write_bytes_atomic
    from ..tables import statement, statement_names, text_lines

    if fmt == "parquet" and not out:
        raise UsageError(t("parquet needs a file: -o FILE", "parquet 格式需要输出文件: -o FILE"), param="out")
    ld = load_scenario(scenario, sets)
    a = ld.assumptions

    zh = is_zh()
    pj = engine.project(a)
    known = statement_names(pj.model)
    wanted = list(names) or [k for k in known if k not in ("calcs", "government")]
    frames = [statement(pj, n, zh=zh) for n in wanted]
    if fmt == "text":
        lines: list[str] = []
        for df in frames:
            if lines:
                lines.append("")
            lines += text_lines(df, zh=zh)
        click.echo("\n".join(lines))
        return
    tidy = pd.concat({df.attrs["table"]: df for df in frames}, names=["table", "item"])
    if fmt == "csv":
        text = tidy.to_csv(float_format="%.6f")
        if out:
            write_bytes_atomic(Path(out), text.encode("utf-8-sig"))
            click.echo(t(f"wrote {out}", f"已写出 {out}"))
        else:
            click.echo(text, nl=False)
        return
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise UsageError(t("Parquet needs pyarrow (pip install pyarrow); or use --format csv",
                           "Parquet 需要 pyarrow(pip install pyarrow);或改用 --format csv"), param="fmt") from None
    import io
    buf = io.BytesIO()
    tidy.columns = [str(c) for c in tidy.columns]
    tidy.to_parquet(buf)
    write_bytes_atomic(Path(out), buf.getvalue())
    click.echo(t(f"wrote {out}", f"已写出 {out}"))
