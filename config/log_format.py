"""One log line per record, as key=value pairs that log tools can search and parse.

Only the record's own facts are written (time, level, logger, message, and the status code
Django adds to request errors), never the request itself: its META holds the visitor's IP.
"""

import logging


def _value(value):
    text = str(value)
    if text and not any(char.isspace() or char in '"=' for char in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class KeyValueFormatter(logging.Formatter):
    """`time=… level=… logger=… message="…"`; a traceback follows on its own lines."""

    def format(self, record):
        fields = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if hasattr(record, "status_code"):
            fields["status"] = record.status_code
        line = " ".join(f"{key}={_value(value)}" for key, value in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line
