"""DDL and documentation rendered from table specs: one definition, every target."""

from __future__ import annotations

from typing import Literal

from schemas.spec import TableSpec, warehouse_type

Dialect = Literal["duckdb", "redshift"]


def qualified(spec_or_name: TableSpec | str, schema: str | None) -> str:
    name = spec_or_name if isinstance(spec_or_name, str) else spec_or_name.name
    return f"{schema}.{name}" if schema else name


def create_table(spec: TableSpec, dialect: Dialect, schema: str | None = None) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for one warehouse, with keys and Redshift physical design."""
    lines = [
        f"    {c.name} {warehouse_type(c.type, dialect)}{'' if c.nullable else ' NOT NULL'}"
        for c in spec.columns
    ]
    if spec.primary_key and (dialect == "redshift" or spec.load_mode == "merge"):
        # Redshift does not enforce it but the planner uses it. DuckDB enforces it with an index
        # that makes replacing a large fact slow (5.8 M flights: 80 s with it, 10 s without), so
        # there it is declared only on tables merged by key; every table's key uniqueness is a
        # blocking quality rule checked before publish anyway.
        lines.append(f"    PRIMARY KEY ({', '.join(spec.primary_key)})")
    body = ",\n".join(lines)
    ddl = f"CREATE TABLE IF NOT EXISTS {qualified(spec, schema)} (\n{body}\n)"
    if dialect == "redshift":
        ddl += f"\nDISTSTYLE {spec.diststyle}"
        if spec.diststyle == "KEY":
            ddl += f"\nDISTKEY ({spec.distkey})"
        if spec.sortkey:
            ddl += f"\nCOMPOUND SORTKEY ({', '.join(spec.sortkey)})"
    return ddl


def column_list(spec: TableSpec) -> str:
    """The explicit column list used by every COPY and INSERT: the spec's (= the file's) order."""
    return ", ".join(spec.column_names)


def data_dictionary(specs: list[TableSpec]) -> str:
    """Markdown data dictionary of the given tables (README / docs)."""
    out: list[str] = []
    for spec in specs:
        out.append(f"### `{spec.name}`\n")
        out.append(f"Grain: {spec.grain}  ")
        line = f"Primary key: `{', '.join(spec.primary_key)}`; load: {spec.load_mode}"
        if spec.partition_by:
            line += f"; partitioned by `{', '.join(spec.partition_by)}`"
        if spec.load_mode == "history":
            line += (f" (versions compared on `{', '.join(spec.history_compared_columns)}`"
                     + (f" within `{', '.join(spec.history_scope)}`" if spec.history_scope else "") + ")")
        line += (f"; Redshift DISTSTYLE {spec.diststyle}"
                 + (f" DISTKEY({spec.distkey})" if spec.distkey else "")
                 + (f" SORTKEY({', '.join(spec.sortkey)})" if spec.sortkey else "")
                 + "\n")
        out.append(line)
        out.append("| column | type | null | description |\n|---|---|---|---|")
        for c in spec.columns:
            out.append(f"| {c.name} | {c.type} | {'yes' if c.nullable else 'no'} | {c.description} |")
        out.append("")
    return "\n".join(out)


def raw_dictionary(layouts: list) -> str:
    """Markdown description of raw source layouts: delimited files (``RawCsv``: which files are
    read, delimiter, quoting, encoding, null tokens, each field's type) and database tables
    (``SourceTable``: key, change-tracking column, columns)."""
    from schemas.spec import UPDATED_AT, RawCsv, SourceTable

    out: list[str] = []
    for layout in layouts:
        if isinstance(layout, RawCsv):
            nulls = ", ".join(f"`{t}`" if t else "empty" for t in layout.null_tokens)
            out.append(f"### source `{layout.name}`: files `{layout.file_glob}`\n")
            out.append(f"Delimited text: delimiter `{layout.delimiter!r}`, quote `{layout.quote}`, encoding "
                       f"{layout.encoding}, header required exactly as below (a BOM is allowed), null tokens: "
                       f"{nulls}; values {'trimmed' if layout.trim else 'kept as sent'}; "
                       f"{'records may span lines' if layout.multiline else 'one record per line'}.\n")
            out.append("| column | parsed as | required |\n|---|---|---|")
            for f in layout.fields:
                extra = []
                if f.decimal_separator != ".":
                    extra.append(f"decimal separator `{f.decimal_separator}`")
                if f.timestamp_format:
                    extra.append(f"format `{f.timestamp_format}`")
                note = f" ({'; '.join(extra)})" if extra else ""
                out.append(f"| {f.name} | {f.type}{note} | {'yes' if f.required else 'no'} |")
        elif isinstance(layout, SourceTable):
            out.append(f"### source table `{layout.name}`\n")
            ident = f"; the database adds `{layout.identity}`" if layout.identity else ""
            out.append(f"Database table; key `{', '.join(layout.key)}`{ident}; rows changed since the "
                       f"watermark found by `{UPDATED_AT}`.\n")
            out.append("| column | type |\n|---|---|")
            out += [f"| {c.name} | {c.type} |" for c in layout.columns]
        out.append("")
    return "\n".join(out)
