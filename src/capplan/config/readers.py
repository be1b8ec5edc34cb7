"""Reading input files: YAML mappings, CSV tables, and the messages for what is wrong.

Every problem names the file, the key path or row and column, the bad value and what was
expected.  The readers live by subject; this module gathers their names for the loader:

- :mod:`capplan.config.yaml_files`: text and YAML files (limits, duplicate keys, aliases);
- :mod:`capplan.config.tables`: CSV tables and workbook sheets, row by row;
- :mod:`capplan.config.messages`: pydantic's errors as one message per place.
"""

from __future__ import annotations

from capplan.config.messages import (
    Locate,
    RowLabel,
    key_path,
    validate_yaml,
    validation_problems,
)
from capplan.config.tables import (
    CHUNK_ROWS,
    LINES_ATTR,
    MAX_RAGGED_ROWS,
    MAY_BE_EMPTY,
    _read_rows,
    read_table,
    table_row_label,
    validate_table,
)
from capplan.config.yaml_files import (
    MAX_FILE_BYTES,
    MAX_YAML_BYTES,
    MAX_YAML_VALUES,
    YamlTooLargeError,
    input_error,
    parse_yaml,
    read_yaml,
    show_path,
)

__all__ = [
    "CHUNK_ROWS",
    "LINES_ATTR",
    "MAX_FILE_BYTES",
    "MAX_RAGGED_ROWS",
    "MAX_YAML_BYTES",
    "MAX_YAML_VALUES",
    "MAY_BE_EMPTY",
    "Locate",
    "RowLabel",
    "YamlTooLargeError",
    "_read_rows",
    "input_error",
    "key_path",
    "parse_yaml",
    "read_table",
    "read_yaml",
    "show_path",
    "table_row_label",
    "validate_table",
    "validate_yaml",
    "validation_problems",
]
