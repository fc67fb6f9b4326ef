"""``finmodel init``: a commented starter YAML for a new community."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..i18n import t
from .helptext import HelpCommand
from .options import speak_as


@click.command("init", cls=HelpCommand)
@click.argument("path", metavar="PATH")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--blank", is_flag=True, help="Leave the community's figures null (validate lists them) "
                                            "instead of J community's values to replace.")
def init_cmd(path, force, blank):
    """Write a commented starter YAML for a new community.

    Example: finmodel init my_community.yaml
    """
    from ..io import write_text_atomic
    from ..starter import REPLACE, starter_yaml

    speak_as(None)                  # the starter is the default scenario's: its language
    p = Path(path)
    if p.exists() and not force:
        raise InputError(t("file exists; use --force to overwrite", "文件已存在;如要覆盖请加 --force"), source=str(p))
    if p.suffix not in (".yaml", ".yml"):
        raise InputError(t("the starter file name must end in .yaml or .yml", "模板文件名须以 .yaml 或 .yml 结尾"),
                         source=str(p))
    write_text_atomic(p, starter_yaml(p.stem, blank=blank))
    if blank:
        click.echo(t(f"wrote {p}: fill the null values (finmodel validate {p} lists them), then: finmodel run {p}",
                     f"已写出 {p}: 请填写其中的 null 值(finmodel validate {p} 会列出它们),然后运行: finmodel run {p}"))
    else:
        click.echo(t(f"wrote {p}: replace every value whose source says '{REPLACE}' with your community's figure; "
                     f"finmodel validate {p} counts those left",
                     f"已写出 {p}: 请把来源注明 '{REPLACE}' 的每个值替换为本社区的数据;"
                     f"finmodel validate {p} 会统计尚未替换的值"))
