"""Pictures: image grids, training curves, 2-D samples over the
discriminator's surface. matplotlib is loaded only when a plot is drawn."""
from .plots import image_grid, plot_2d, plot_losses, save_image_grid, write_png

__all__ = ["image_grid", "plot_2d", "plot_losses", "save_image_grid", "write_png"]
