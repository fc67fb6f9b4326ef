"""``finmodel init``: a commented starter YAML for a new community."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError


@click.command("init")
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

    p = Path(path)
    if p.exists() and not force:
        raise InputError("file exists; use --force to overwrite", source=str(p))
    if p.suffix not in (".yaml", ".yml"):
        raise InputError("the starter file name must end in .yaml or .yml", source=str(p))
    write_text_atomic(p, starter_yaml(p.stem, blank=blank))
    if blank:
        click.echo(f"wrote {p}: fill the null values (finmodel validate {p} lists them), then: finmodel run {p}")
    else:
        click.echo(f"wrote {p}: replace every value whose source says '{REPLACE}' with your community's figure; "
                   f"finmodel validate {p} counts those left")
