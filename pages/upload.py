"""stub"""

from __future__ import annotations

from ui.frame import frame
from ui.registry import PageId

ctx = frame(PageId.UPLOAD)
