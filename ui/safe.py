"""Data and URL parameters shown through Streamlit's markdown: always as text.

Why: st.markdown, captions, alerts, labels and badges render markdown, so a line named
``![t](http://host/x.png)`` made every viewer's browser fetch that address, and a URL
parameter could close its backticks. The marks that build images, links, HTML, code,
emphasis, tables, maths and Streamlit's ``:color[...]`` directives are backslash-escaped
(CommonMark shows an escaped mark as itself); ``://`` is broken so no address becomes a
link; a leading list or heading mark is escaped and line breaks become spaces, so a
value cannot start a block of its own. Commas, dots and quotes stay as they are.
"""

from __future__ import annotations

import re

_MARKS = re.compile(r"([\\`*_\[\]()<>#!|~$&{}]|:(?=/))")
_LEADING = re.compile(r"^(\s*\d*)([-+=.)])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def md(value: object) -> str:
    """``value`` as literal text inside markdown."""
    text = _MARKS.sub(r"\\\1", _BREAKS.sub(" ", str(value)))
    return _LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
