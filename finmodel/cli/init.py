"""``finmodel init``: a commented starter YAML for a new community."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError


@click.command("init")
@click.argument("path", metavar="PATH")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init_cmd(path, force):
    """Write a commented starter YAML for a new community.

    Example: finmodel init my_community.yaml
    """
    from ..io import write_text_atomic
    from ..starter import starter_yaml

    p = Path(path)
    if p.exists() and not force:
        raise InputError("file exists; use --force to overwrite", source=str(p))
    if p.suffix not in (".yaml", ".yml"):
        raise InputError("the starter file name must end in .yaml or .yml", source=str(p))
    write_text_atomic(p, starter_yaml(p.stem))
    click.echo(f"wrote {p}: edit the values marked 'assumed', then run: finmodel validate {p}")
