"""Writing a generated model folder, all or nothing, through :func:`capplan.io.write_atomically`."""

from __future__ import annotations

from pathlib import Path

from capplan.generate.make import Generated, generate
from capplan.generate.spec import Spec
from capplan.io import write_atomically


def write_folder(files: dict[str, str], out_dir: Path, *, force: bool = False) -> Path:
    """Write ``files`` (relative path -> text) as ``out_dir``, atomically (io.write_atomically):
    all or nothing, and an existing ``out_dir`` is replaced only with ``force``."""

    def fill(tmp: Path) -> None:
        for rel, text in sorted(files.items()):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))

    return write_atomically(out_dir, fill, force)


def generate_folder(spec: Spec, out_dir: str | Path, *, force: bool = False) -> Generated:
    """Generate ``spec`` into ``out_dir`` (atomically); the model file is ``model.yaml``."""
    generated = generate(spec)
    write_folder(generated.files, Path(out_dir), force=force)
    return generated
