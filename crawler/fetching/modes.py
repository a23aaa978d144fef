"""The values of --resources and --render, apart from the code that acts on them: the command line and the
site collection check them without loading Scrapy or a browser driver."""

from __future__ import annotations

from typing import Literal

ResourceMode = Literal["none", "page"]
RESOURCE_MODES: tuple[ResourceMode, ...] = ("none", "page")
RenderMode = Literal["never", "auto", "always"]
RENDER_MODES: tuple[RenderMode, ...] = ("never", "auto", "always")
