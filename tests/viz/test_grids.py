import torch
from PIL import Image

from contentpose.eval.metrics.interpolation import interpolation_strips
from contentpose.train.loop import train
from contentpose.trained import load_run
from contentpose.viz.analogy import analogy_grid
from contentpose.viz.grid import grid_image, save_grid


def test_grid_image_layout():
    cells = torch.zeros(3, 4, 1, 10, 10)
    cells[0, 0] = float("nan")
    image = grid_image(cells, header=True, pad=2, scale=1)
    # 4 columns of 10 px, one wide header gap (6 px) and two normal gaps (2 px)
    assert image.size == (4 * 10 + 6 + 2 * 2, 3 * 10 + 6 + 2)
    assert image.getpixel((0, 0)) == (255, 255, 255)  # blank corner
    assert image.getpixel((20, 20)) == (0, 0, 0)


def test_analogy_and_interpolation_from_a_trained_run(tiny_config, tmp_path):
    train(tiny_config, tmp_path / "run", quiet=True)
    run = load_run(tmp_path / "run", "cpu")
    grid = analogy_grid(run, size=4)
    assert grid.shape == (5, 5, 1, 32, 32)
    assert torch.isnan(grid[0, 0]).all()
    # row i, column j is decoded from row frame i's content and column frame j's pose
    rows, cols = grid[1:, 0], grid[0, 1:]
    assert torch.allclose(grid[2, 3], run.model(rows[1:2], cols[2:3])[0], atol=1e-5)
    strips = interpolation_strips(run, rows=3, steps=5)
    assert strips.shape == (3, 7, 1, 32, 32)
    path = save_grid(grid, tmp_path / "out" / "grid.png", header=True)
    assert Image.open(path).size[0] > 5 * 32
