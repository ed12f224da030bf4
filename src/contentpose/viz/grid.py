"""Save a grid of frames as a PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from contentpose.errors import UserError


def grid_image(
    cells: torch.Tensor, header: bool = False, pad: int = 2, scale: int = 2, column_labels: list[str] | None = None
) -> Image.Image:
    """Tile frames (R, K, C, H, W) in [0, 1] into one image with `pad` pixels between cells.

    With `header=True` the first row and column are set apart by a wider light gap
    (source frames of an analogy grid); a cell that is all NaN is left blank (white in a
    header grid, the background colour otherwise).
    `column_labels` (K strings) are written above the columns.
    """
    R, K, C, H, W = cells.shape
    cells = cells.detach().float().cpu()
    if C == 1:
        cells = cells.expand(R, K, 3, H, W)
    gap = lambda i: pad * (3 if header and i == 1 else 1)  # noqa: E731  (wider gap after the header)
    ys = np.cumsum([0] + [H + gap(i + 1) for i in range(R - 1)])
    xs = np.cumsum([0] + [W + gap(j + 1) for j in range(K - 1)])
    canvas = np.full((ys[-1] + H, xs[-1] + W, 3), 0.35 if header else 0.2, dtype=np.float32)
    for i in range(R):
        for j in range(K):
            cell = cells[i, j]
            if torch.isnan(cell).all():
                canvas[ys[i] : ys[i] + H, xs[j] : xs[j] + W] = 1.0 if header else 0.2
                continue
            canvas[ys[i] : ys[i] + H, xs[j] : xs[j] + W] = cell.clamp(0, 1).permute(1, 2, 0).numpy()
    image = Image.fromarray((canvas * 255).round().astype(np.uint8))
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    if column_labels is not None:
        labelled = Image.new("RGB", (image.width, image.height + 14), (255, 255, 255))
        labelled.paste(image, (0, 14))
        draw = ImageDraw.Draw(labelled)
        for x, text in zip(xs, column_labels):
            draw.text((int(x) * scale + 2, 1), text, fill=(0, 0, 0))
        image = labelled
    return image


IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".pdf")


def save_grid(
    cells: torch.Tensor, path: str | Path, header: bool = False, column_labels: list[str] | None = None
) -> Path:
    """Write `grid_image(cells)` to `path` (PNG, or another of IMAGE_EXTENSIONS), creating its folder."""
    path = Path(path)
    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        raise UserError(f"cannot write image {path}: name it with one of the extensions {', '.join(IMAGE_EXTENSIONS)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        grid_image(cells, header=header, column_labels=column_labels).save(path)
    except (OSError, ValueError) as err:
        raise UserError(f"cannot write image {path}: {err}") from None
    return path
