"""LibreOffice headless: recalculate workbooks and print them to PDF.

LibreOffice keeps a file's cached values on load unless told otherwise, so every call runs
with a fresh user profile of its own whose settings force recalculation on load
(``OOXMLRecalcMode`` and ``ODFRecalcMode`` = 0, "always"). Several files convert in one call
(one LibreOffice start-up). The profile also keeps runs independent of any LibreOffice the
user has open.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import EnvironmentFault

RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseLocking" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""

SOFFICE_NAMES = ("soffice", "libreoffice")


def find_soffice() -> str | None:
    """The LibreOffice executable: ``$FINMODEL_SOFFICE``, else ``soffice`` or ``libreoffice`` on PATH."""
    env = os.environ.get("FINMODEL_SOFFICE")
    if env:
        return env if (Path(env).exists() or shutil.which(env)) else None
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def soffice_binary(exe: str) -> str:
    """``soffice.bin`` beside the ``soffice`` launcher when there is one.

    The launcher (oosplash) tries to start ``javaldx`` and warns on stderr where Java is not
    installed; the binary itself prints nothing there. Its only difference: on a fresh profile it
    exits with code 81 ("restart") once, which :func:`convert` handles.
    """
    real = Path(shutil.which(exe) or exe).resolve()
    binary = real.with_name("soffice.bin")
    return str(binary) if binary.exists() and os.access(binary, os.X_OK) else exe


def require_soffice(what: str = "PDF") -> str:
    exe = find_soffice()
    if exe is None:
        raise EnvironmentFault(f"{what}: LibreOffice (soffice) is not installed or not on PATH; install "
                               f"libreoffice-calc-nogui, or set FINMODEL_SOFFICE")
    return exe


@dataclass
class Converted:
    outputs: list[Path]
    returncode: int
    stdout: str
    stderr: str


def write_profile(folder: Path) -> Path:
    """A fresh LibreOffice user profile that recalculates every file on load."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")
    return folder


def convert(files: Sequence[Path], to: str, outdir: Path, *, timeout: float = 180.0) -> Converted:
    """Convert ``files`` with LibreOffice headless to ``to`` ('xlsx' recalculates; 'pdf' prints).

    One LibreOffice process for all files, with its own throw-away profile. Returns the output
    paths (same stem, new suffix, in ``outdir``) with the process's exit code and output.
    """
    exe = soffice_binary(require_soffice("LibreOffice conversion"))
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    filt = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "pdf": "pdf:calc_pdf_Export"}.get(to, to)
    suffix = "." + to.split(":")[0]
    with tempfile.TemporaryDirectory(prefix="finmodel-lo-") as prof:
        write_profile(Path(prof))
        cmd = [exe, f"-env:UserInstallation={Path(prof).as_uri()}", "--headless", "--invisible", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", "--convert-to", filt, "--outdir", str(outdir)]
        cmd += [str(Path(f).resolve()) for f in files]
        env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp"}
        for _ in range(3):          # a fresh profile asks for one restart (exit 81)
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                                   stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise EnvironmentFault(f"LibreOffice did not finish converting within {timeout:.0f} s") from None
            if p.returncode != 81:
                break
    outs = [outdir / (Path(f).stem + suffix) for f in files]
    return Converted(outs, p.returncode, p.stdout, p.stderr)


def with_only_sheets(src: Path, dst: Path, titles: Sequence[str]) -> Path:
    """A copy of workbook ``src`` at ``dst`` that prints only the sheets ``titles``: every other
    sheet keeps its cells (the printed sheets' formulas read them) but prints a single empty cell,
    a page that LibreOffice leaves out of a PDF (it skips empty pages; a hidden sheet it prints)."""
    keep = set(titles)
    with zipfile.ZipFile(src) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                names = [html.unescape(n) for n in re.findall(r'<sheet name="([^"]*)"', text)]
                drop = [i for i, n in enumerate(names) if n not in keep]
                text = re.sub(r'<definedName name="_xlnm\.Print_Area" localSheetId="(\d+)">[^<]*</definedName>',
                              lambda m: "" if int(m.group(1)) in drop else m.group(0), text)
                empty = "".join(f'<definedName name="_xlnm.Print_Area" localSheetId="{i}">'
                                f"{html.escape(quote_sheet(names[i]), quote=False)}!$XFD$1048576</definedName>"
                                for i in drop)
                if "<definedNames>" in text:
                    text = text.replace("<definedNames>", "<definedNames>" + empty, 1)
                else:
                    text = text.replace("</sheets>", "</sheets><definedNames>" + empty + "</definedNames>", 1)
                data = text.encode("utf-8")
            out.writestr(info, data)
    return Path(dst)


def quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def to_pdf(xlsx: Path, pdf: Path, sheets: Sequence[str] | None = None) -> Path:
    """Print ``xlsx`` to ``pdf`` through LibreOffice (written to a temporary folder, then moved);
    ``sheets``: only those (by title), the others hidden in a temporary copy."""
    pdf = Path(pdf)
    with tempfile.TemporaryDirectory(prefix="finmodel-pdf-", dir=pdf.parent) as tmp:
        src = Path(xlsx)
        if sheets is not None:
            src = with_only_sheets(src, Path(tmp) / (pdf.stem + ".xlsx"), sheets)
        res = convert([src], "pdf", Path(tmp) / "out")
        out = res.outputs[0]
        if res.returncode != 0 or not out.exists():
            detail = " ".join((res.stderr or res.stdout or "").split())[:200]
            raise EnvironmentFault(f"{pdf}: LibreOffice could not print the workbook (exit {res.returncode})"
                                   + (f": {detail}" if detail else ""))
        os.replace(out, pdf)
    return pdf
