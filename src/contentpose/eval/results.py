"""A protocol's scores of one run, typed: what its RUN/eval.json holds, rendered as the text that
`contentpose evaluate` prints and as HTML for the run's report (`contentpose report`), from one
formatter, so the two never disagree.

Each family names its Result class (`Family.result`); a protocol module defines it beside its
formatters: `text()` is the protocol's own table; `html()` shows that table as it prints.
"""

from __future__ import annotations

from html import escape


class Result:
    """The scores `data` (a run's eval.json) of the run called `name`."""

    def __init__(self, name: str, data: dict):
        self.name, self.data = name, data

    def text(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        return f"<pre class='scores'>{escape(self.text())}</pre>"
