"""gearman3 (PyPI) calls array.fromstring, which Python 3.9 removed; this restores it."""
import array as _array
import types

import gearman.connection


class _Array(_array.array):
    def fromstring(self, data):
        self.frombytes(data)

    def __getitem__(self, key):
        item = _array.array.__getitem__(self, key)
        return _Array(self.typecode, item) if isinstance(key, slice) else item


gearman.connection.array = types.SimpleNamespace(array=_Array)
