"""The one lazy writer of batch's output: made at the first block, so that a JSON-lines input's
passed-through columns are typed by what came; made at the end when no row came, so that an empty
output is still a whole file.  The local run writes a whole output through it; a Dask task writes a
part of one, whose text header the client writes once (``headerless``)."""

from __future__ import annotations


class LazyWriter:
    def __init__(self, fmt: str, stream, names: list, extra_schema=None, eager: bool = False,
                 headerless: bool = False, csv_engine: str = "auto") -> None:
        self.fmt = fmt
        self.csv_engine = csv_engine  # read.CSV_ENGINES: who formats CSV
        self.stream = stream
        self.names = names
        self.extra_schema = extra_schema
        self.headerless = headerless and fmt in ("csv", "jsonl")
        self.writer = self._make(None) if eager else None

    def _make(self, schema):
        from .write import open_writer

        position = self.stream.tell() if self.headerless else 0
        writer = open_writer(self.fmt, self.stream, self.names,
                             self.extra_schema if self.extra_schema is not None else schema, self.csv_engine)
        if self.headerless:  # drop the header the writer wrote
            self.stream.seek(position)
            self.stream.truncate()
        return writer

    def write(self, block, extra=None) -> None:
        if self.writer is None:
            self.writer = self._make(extra.schema if extra is not None else None)
        self.writer.write(block, extra)

    def drain(self) -> None:
        drain = getattr(self.writer, "drain", None)
        if drain is not None:
            drain()

    def close(self) -> None:
        if self.writer is None:
            self.writer = self._make(None)
        close = getattr(self.writer, "close", None)
        if close is not None:
            close()
