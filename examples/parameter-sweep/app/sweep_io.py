"""sweep_io: writing the sweep's JSON files atomically (a temporary file, then a rename),
so a reader never sees half a file. Shared by simulate.py and summarise.py."""

import json
import os
import tempfile


def write_json_atomically(path, value, indent=None):
    path = os.path.abspath(path)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=indent, sort_keys=True)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
