"""The README's pictures stay small: each is quantized to as few colours as keep it under a size limit."""
from __future__ import annotations

from pathlib import Path

from PIL import Image


def small_png(path: Path, limit_kb: int) -> Path:
    """Rewrite the PNG at ``path`` with 256, 128 or 64 colours, the most that fit in ``limit_kb``; print its size."""
    with Image.open(path) as image:
        picture = image.convert("RGB")
    for colours in (256, 128, 64):
        picture.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, optimize=True)
        if path.stat().st_size <= limit_kb * 1024:
            break
    print(f"{path} {path.stat().st_size // 1024} KB")
    return path
